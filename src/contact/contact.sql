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
  select coalesce(array_agg(distinct gram), '{}') from (
    select substr(search_text, i, 1) as gram from generate_series(1, length(search_text)) i
    union all
    select substr(search_text, i, 2) from generate_series(1, length(search_text) - 1) i
  ) grams where strpos(gram, chr(10)) = 0
$$;

-- New contacts count in their organization's contact count and piece counts.
create or replace function contact_added() returns trigger language plpgsql as $$
begin
  update organization o set contact_count = o.contact_count + n.contacts
  from (select organization_id, count(*)::int as contacts from added_contacts group by 1) n
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
  update organization o set contact_count = o.contact_count - r.contacts
  from (select organization_id, count(*)::int as contacts from removed_contacts group by 1) r
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

-- A changed contact moves between its organization's pieces (its memberships' follow in
-- membership.sql).
create or replace function contact_changed() returns trigger language plpgsql as $$
begin
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
create or replace trigger contact_changed after update on contact referencing old table as previous_contacts new table as changed_contacts for each statement execute function contact_changed();

-- The total of a search with a trigram in it, counted from the trigram index, whose cost follows
-- the matches, never by reading every contact: PostgreSQL's estimate of how common the term is
-- must not flip the plan (the settings hold inside the function only). EXECUTE plans the count
-- anew for each term; a cached, generic plan would not know the term.
create or replace function count_contacts_matching(organization uuid, pattern text)
returns int language plpgsql stable
set enable_seqscan = off set enable_indexscan = off set enable_indexonlyscan = off as $$
declare
  total int;
begin
  execute
    'select count(*)::int from contact c
     where c.organization_id = $1 and c.search_text like lower($2)
       and (strpos($2, chr(10)) = 0
            or c.first_name ilike $2 or c.last_name ilike $2 or c.primary_phone ilike $2)'
  into total using organization, pattern;
  return total;
end $$;
