-- The database's own logic of contacts: the counts an organization keeps of them, and its search.
-- The one current definition of each function and trigger here; the service applies this file
-- after the migrations at every start (src/database/logic.ts). Triggers are statement-level over
-- transition tables, and write in the one lock order (docs/architecture.md).

-- The one- and two-letter pieces of a search text: a term that short matches a row exactly when
-- it is one of the row's pieces, so counting its matches is a look-up (see organization_search_gram
-- and audience_search_gram) where no trigram index can help. Pieces across a line break (between
-- two fields) are left out; lower() maps each character to one character, so a term of one or two
-- characters stays that long. Stored on the contact (contact.search_grams, a generated column):
-- changing this needs a migration that computes the stored pieces again.
create or replace function search_grams(search_text text) returns text[]
language sql immutable parallel safe as $$
  -- Every character, and every pair: the pairs that start at odd places, then those that start at
  -- even places, each made by cutting the text after every second character (a line break cuts
  -- too, and only ever splits a pair that holds one). Built-in string functions instead of two
  -- series and a substr a piece: about 15 % less of what every contact written costs here. The
  -- same pieces as substr(search_text, i, 1) and (…, i, 2) for every i (test/database-logic.test.ts).
  select coalesce(array_agg(distinct gram order by gram), '{}') from unnest(
    string_to_array(search_text, null)
    || string_to_array(regexp_replace(search_text, '(..)', E'\\1\n', 'g'), chr(10))
    || string_to_array(regexp_replace(substr(search_text, 2), '(..)', E'\\1\n', 'g'), chr(10))
  ) gram where gram <> '' and strpos(gram, chr(10)) = 0
$$;

-- New contacts count in their organization's contact count and piece counts.
-- Their consent counts in the organization's subscribed and unsubscribed counts (consent.sql
-- records the change itself).
create or replace function contact_added() returns trigger language plpgsql as $$
begin
  update organization o set contact_count = o.contact_count + n.contacts,
    sms_subscribed_count = o.sms_subscribed_count + n.sms_subscribed,
    sms_unsubscribed_count = o.sms_unsubscribed_count + n.sms_unsubscribed,
    email_subscribed_count = o.email_subscribed_count + n.email_subscribed,
    email_unsubscribed_count = o.email_unsubscribed_count + n.email_unsubscribed
  from (
    select organization_id, count(*)::int as contacts,
      count(*) filter (where sms_consent = 'SUBSCRIBED')::int as sms_subscribed,
      count(*) filter (where sms_consent = 'UNSUBSCRIBED')::int as sms_unsubscribed,
      count(*) filter (where email_consent = 'SUBSCRIBED')::int as email_subscribed,
      count(*) filter (where email_consent = 'UNSUBSCRIBED')::int as email_unsubscribed
    from added_contacts group by 1
  ) n
  where o.id = n.organization_id;
  insert into organization_search_gram (organization_id, gram, contacts)
  select n.organization_id, g.gram, count(*)::int
  from added_contacts n cross join unnest(n.search_grams) g(gram)
  group by 1, 2 order by 1, 2
  on conflict (organization_id, gram) do update set contacts = organization_search_gram.contacts + excluded.contacts;
  return null;
end $$;
create or replace trigger contact_added after insert on contact referencing new table as added_contacts for each statement execute function contact_added();

-- Contacts gone leave those counts, in piece order (the lock order).
create or replace function contact_removed() returns trigger language plpgsql as $$
begin
  update organization o set contact_count = o.contact_count - r.contacts,
    sms_subscribed_count = o.sms_subscribed_count - r.sms_subscribed,
    sms_unsubscribed_count = o.sms_unsubscribed_count - r.sms_unsubscribed,
    email_subscribed_count = o.email_subscribed_count - r.email_subscribed,
    email_unsubscribed_count = o.email_unsubscribed_count - r.email_unsubscribed
  from (
    select organization_id, count(*)::int as contacts,
      count(*) filter (where sms_consent = 'SUBSCRIBED')::int as sms_subscribed,
      count(*) filter (where sms_consent = 'UNSUBSCRIBED')::int as sms_unsubscribed,
      count(*) filter (where email_consent = 'SUBSCRIBED')::int as email_subscribed,
      count(*) filter (where email_consent = 'UNSUBSCRIBED')::int as email_unsubscribed
    from removed_contacts group by 1
  ) r
  where o.id = r.organization_id;
  insert into organization_search_gram (organization_id, gram, contacts)
  select r.organization_id, g.gram, -count(*)::int
  from removed_contacts r cross join unnest(r.search_grams) g(gram)
  -- An organization deleted with its contacts (a cascade) takes its piece rows with it.
  where exists (select 1 from organization o where o.id = r.organization_id)
  group by 1, 2 order by 1, 2
  on conflict (organization_id, gram) do update set contacts = organization_search_gram.contacts + excluded.contacts;
  return null;
end $$;
create or replace trigger contact_removed after delete on contact referencing old table as removed_contacts for each statement execute function contact_removed();

-- A changed contact moves between its organization's consent counts and pieces. Its trigger
-- fires second of a contact's change (triggers of one event fire in name order, the lock order):
-- after its audiences' consent counts, before its memberships' copies and their audiences' pieces
-- (membership.sql), as a contact delete takes them.
create or replace function contact_changed() returns trigger language plpgsql as $$
begin
  update organization o set
    sms_subscribed_count = o.sms_subscribed_count + d.sms_subscribed,
    sms_unsubscribed_count = o.sms_unsubscribed_count + d.sms_unsubscribed,
    email_subscribed_count = o.email_subscribed_count + d.email_subscribed,
    email_unsubscribed_count = o.email_unsubscribed_count + d.email_unsubscribed
  from (
    select n.organization_id,
      sum((n.sms_consent = 'SUBSCRIBED')::int - (o.sms_consent = 'SUBSCRIBED')::int)::int as sms_subscribed,
      sum((n.sms_consent = 'UNSUBSCRIBED')::int - (o.sms_consent = 'UNSUBSCRIBED')::int)::int as sms_unsubscribed,
      sum((n.email_consent = 'SUBSCRIBED')::int - (o.email_consent = 'SUBSCRIBED')::int)::int as email_subscribed,
      sum((n.email_consent = 'UNSUBSCRIBED')::int - (o.email_consent = 'UNSUBSCRIBED')::int)::int as email_unsubscribed
    from changed_contacts n join previous_contacts o on o.id = n.id
    where (o.sms_consent, o.email_consent) is distinct from (n.sms_consent, n.email_consent)
    group by 1
  ) d
  where o.id = d.organization_id;
  insert into organization_search_gram (organization_id, gram, contacts)
  select n.organization_id, g.gram, sum(g.delta)::int
  from changed_contacts n join previous_contacts o on o.id = n.id
  cross join lateral (
    select gram, -1 as delta from unnest(o.search_grams) gram
    union all
    select gram, 1 from unnest(n.search_grams) gram
  ) g
  where o.search_grams is distinct from n.search_grams
  group by 1, 2 having sum(g.delta) <> 0
  order by 1, 2
  on conflict (organization_id, gram) do update set contacts = organization_search_gram.contacts + excluded.contacts;
  return null;
end $$;
create or replace trigger contact_changed_2_organization after update on contact referencing old table as previous_contacts new table as changed_contacts for each statement execute function contact_changed();

-- The total of a search with a trigram in it, counted from the trigram index, whose cost follows
-- the matches, never by reading every contact: PostgreSQL's estimate of how common the term is
-- must not flip the plan (the settings hold inside the function only). EXECUTE plans the count
-- anew for each term; a cached, generic plan would not know the term. A status given (not null)
-- keeps only the contacts with that consent on its channel.
create or replace function count_contacts_matching(organization uuid, pattern text,
  sms consent_status, email consent_status)
returns int language plpgsql stable
set enable_seqscan = off set enable_indexscan = off set enable_indexonlyscan = off as $$
declare
  total int;
begin
  execute
    'select count(*)::int from contact c
     where c.organization_id = $1 and c.search_text like lower($2)
       and (strpos($2, chr(10)) = 0
            or c.first_name ilike $2 or c.last_name ilike $2 or c.primary_phone ilike $2)
       and ($3 is null or c.sms_consent = $3) and ($4 is null or c.email_consent = $4)'
  into total using organization, pattern, sms, email;
  return total;
end $$;
