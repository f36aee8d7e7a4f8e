-- The database's own logic of memberships: each membership's copy of its contact's sort keys and
-- search text, and the counts an audience keeps of its members. The one current definition of
-- each function and trigger here; the service applies this file after the migrations at every
-- start (src/database/logic.ts). Triggers are statement-level over transition tables, and write in
-- the one lock order (docs/architecture.md).

-- The triggers of a contact's change fire in name order, which is the lock order
-- (docs/architecture.md), the order a contact delete takes its locks in: the audiences whose
-- consent counts move (contact_changed_1_audience_counts, here), the organization's row and
-- pieces (contact_changed_2_organization, contact.sql), then the memberships and their audiences'
-- pieces (contact_changed_3_memberships, here).

-- A contact whose consent changed moves between its audiences' consent counts; the audiences are
-- locked in id order first. The memberships' copies still hold the statuses before the change.
create or replace function contact_consent_to_audiences() returns trigger language plpgsql as $$
declare
  audiences uuid[];
  sms_subscribed int[];
  sms_unsubscribed int[];
  email_subscribed int[];
  email_unsubscribed int[];
begin
  -- The memberships are read once: the moves per audience, in id order; then the audiences are
  -- locked in that order, then counted.
  select array_agg(m.audience_id order by m.audience_id),
         array_agg(m.sms_subscribed order by m.audience_id),
         array_agg(m.sms_unsubscribed order by m.audience_id),
         array_agg(m.email_subscribed order by m.audience_id),
         array_agg(m.email_unsubscribed order by m.audience_id)
  into audiences, sms_subscribed, sms_unsubscribed, email_subscribed, email_unsubscribed
  from (
    select ac.audience_id,
      sum((n.sms_consent = 'SUBSCRIBED')::int - (ac.sms_consent = 'SUBSCRIBED')::int)::int as sms_subscribed,
      sum((n.sms_consent = 'UNSUBSCRIBED')::int - (ac.sms_consent = 'UNSUBSCRIBED')::int)::int as sms_unsubscribed,
      sum((n.email_consent = 'SUBSCRIBED')::int - (ac.email_consent = 'SUBSCRIBED')::int)::int as email_subscribed,
      sum((n.email_consent = 'UNSUBSCRIBED')::int - (ac.email_consent = 'UNSUBSCRIBED')::int)::int as email_unsubscribed
    from changed_contacts n join audience_contact ac on ac.contact_id = n.id
    where (ac.sms_consent, ac.email_consent) is distinct from (n.sms_consent, n.email_consent)
    group by 1
  ) m;
  if audiences is null then
    return null;
  end if;
  perform 1 from audience a where a.id = any(audiences) order by a.id for no key update;
  update audience a set
    sms_subscribed_count = a.sms_subscribed_count + d.sms_subscribed,
    sms_unsubscribed_count = a.sms_unsubscribed_count + d.sms_unsubscribed,
    email_subscribed_count = a.email_subscribed_count + d.email_subscribed,
    email_unsubscribed_count = a.email_unsubscribed_count + d.email_unsubscribed
  from unnest(audiences, sms_subscribed, sms_unsubscribed, email_subscribed, email_unsubscribed)
    as d(audience_id, sms_subscribed, sms_unsubscribed, email_subscribed, email_unsubscribed)
  where a.id = d.audience_id;
  return null;
end $$;
create or replace trigger contact_changed_1_audience_counts after update on contact referencing new table as changed_contacts for each statement execute function contact_consent_to_audiences();

-- A contact's change reaches its memberships' copies and their audiences' piece counts, in the
-- same statement.
create or replace function contact_copy_to_memberships() returns trigger language plpgsql as $$
begin
  update audience_contact ac
  set first_name = n.first_name, last_name = n.last_name, primary_phone = n.primary_phone,
      contact_created_at = n.created_at, sms_consent = n.sms_consent, email_consent = n.email_consent
  from changed_contacts n
  where ac.contact_id = n.id
    and (ac.first_name, ac.last_name, ac.primary_phone, ac.contact_created_at, ac.sms_consent, ac.email_consent)
        is distinct from (n.first_name, n.last_name, n.primary_phone, n.created_at, n.sms_consent, n.email_consent);
  insert into audience_search_gram (audience_id, gram, members)
  select ac.audience_id, g.gram, sum(g.delta)::int
  from changed_contacts n join previous_contacts o on o.id = n.id
  join audience_contact ac on ac.contact_id = n.id
  cross join lateral (
    select gram, -1 as delta from unnest(o.search_grams) gram
    union all
    select gram, 1 from unnest(n.search_grams) gram
  ) g
  where o.search_grams is distinct from n.search_grams
  group by 1, 2 having sum(g.delta) <> 0
  order by 1, 2
  on conflict (audience_id, gram) do update set members = audience_search_gram.members + excluded.members;
  return null;
end $$;
create or replace trigger contact_changed_3_memberships after update on contact referencing old table as previous_contacts new table as changed_contacts for each statement execute function contact_copy_to_memberships();

-- New memberships take their contact's values whatever the inserting statement wrote, and count in
-- their audience's member count and piece counts. The contacts are share-locked first, in id
-- order: a concurrent update of one waits for this transaction (and then sees its rows), or has
-- committed and is what the copy reads. (A statement that changes many contacts must lock them in
-- id order too, or it can deadlock.)
create or replace function membership_added() returns trigger language plpgsql as $$
declare
  stale record;
begin
  perform 1 from contact c where c.id in (select contact_id from added_memberships) order by c.id for share;
  for stale in
    select n.audience_id, n.contact_id, c.first_name, c.last_name, c.primary_phone, c.created_at,
           c.sms_consent, c.email_consent
    from added_memberships n join contact c on c.id = n.contact_id
    where (n.first_name, n.last_name, n.primary_phone, n.contact_created_at, n.sms_consent, n.email_consent)
          is distinct from (c.first_name, c.last_name, c.primary_phone, c.created_at, c.sms_consent, c.email_consent)
  loop
    update audience_contact
    set first_name = stale.first_name, last_name = stale.last_name,
        primary_phone = stale.primary_phone, contact_created_at = stale.created_at,
        sms_consent = stale.sms_consent, email_consent = stale.email_consent
    where audience_id = stale.audience_id and contact_id = stale.contact_id;
  end loop;
  update audience a set contact_count = a.contact_count + n.members,
    sms_subscribed_count = a.sms_subscribed_count + n.sms_subscribed,
    sms_unsubscribed_count = a.sms_unsubscribed_count + n.sms_unsubscribed,
    email_subscribed_count = a.email_subscribed_count + n.email_subscribed,
    email_unsubscribed_count = a.email_unsubscribed_count + n.email_unsubscribed
  from (
    select m.audience_id, count(*)::int as members,
      count(*) filter (where c.sms_consent = 'SUBSCRIBED')::int as sms_subscribed,
      count(*) filter (where c.sms_consent = 'UNSUBSCRIBED')::int as sms_unsubscribed,
      count(*) filter (where c.email_consent = 'SUBSCRIBED')::int as email_subscribed,
      count(*) filter (where c.email_consent = 'UNSUBSCRIBED')::int as email_unsubscribed
    from added_memberships m join contact c on c.id = m.contact_id group by 1
  ) n
  where a.id = n.audience_id;
  insert into audience_search_gram (audience_id, gram, members)
  select n.audience_id, g.gram, count(*)::int
  from added_memberships n join contact c on c.id = n.contact_id cross join unnest(c.search_grams) g(gram)
  group by 1, 2 order by 1, 2
  on conflict (audience_id, gram) do update set members = audience_search_gram.members + excluded.members;
  return null;
end $$;
create or replace trigger membership_added after insert on audience_contact referencing new table as added_memberships for each statement execute function membership_added();

-- Memberships gone (their contact or audience deleted, or removed) leave the counts, in audience
-- and piece order (the lock order): an upsert of negative counts, since the rows are there while
-- the members they count are. The pieces come from the contact's stored search_grams where it is
-- still there with the same search text (computing them cost about 100 µs a member), from the
-- membership's own copy of the search text where it is gone (a contact deleted, by cascade).
create or replace function membership_removed() returns trigger language plpgsql as $$
begin
  update audience a set contact_count = a.contact_count - o.members,
    sms_subscribed_count = a.sms_subscribed_count - o.sms_subscribed,
    sms_unsubscribed_count = a.sms_unsubscribed_count - o.sms_unsubscribed,
    email_subscribed_count = a.email_subscribed_count - o.email_subscribed,
    email_unsubscribed_count = a.email_unsubscribed_count - o.email_unsubscribed
  from (
    select audience_id, count(*)::int as members,
      count(*) filter (where sms_consent = 'SUBSCRIBED')::int as sms_subscribed,
      count(*) filter (where sms_consent = 'UNSUBSCRIBED')::int as sms_unsubscribed,
      count(*) filter (where email_consent = 'SUBSCRIBED')::int as email_subscribed,
      count(*) filter (where email_consent = 'UNSUBSCRIBED')::int as email_unsubscribed
    from removed_memberships group by 1
  ) o
  where a.id = o.audience_id;
  insert into audience_search_gram (audience_id, gram, members)
  select o.audience_id, g.gram, -count(*)::int
  from removed_memberships o
  cross join lateral unnest(coalesce(
    (select c.search_grams from contact c
     where c.id = o.contact_id and c.search_text = o.search_text),
    search_grams(o.search_text)
  )) g(gram)
  -- An audience erased with its members (a cascade) takes its piece rows with it.
  where exists (select 1 from audience a where a.id = o.audience_id)
  group by 1, 2 order by 1, 2
  on conflict (audience_id, gram) do update set members = audience_search_gram.members + excluded.members;
  return null;
end $$;
create or replace trigger membership_removed after delete on audience_contact referencing old table as removed_memberships for each statement execute function membership_removed();

-- The totals of a search with a trigram in it, per audience, counted from the trigram index with a
-- plan made for the term (as count_contacts_matching in contact.sql), with its consent filter.
create or replace function count_members_matching(audience_ids uuid[], pattern text,
  sms consent_status, email consent_status)
returns table (audience_id uuid, total int) language plpgsql stable
set enable_seqscan = off set enable_indexscan = off set enable_indexonlyscan = off as $$
begin
  return query execute
    'select ac.audience_id, count(*)::int from audience_contact ac
     where ac.audience_id = any($1) and ac.search_text like lower($2)
       and (strpos($2, chr(10)) = 0
            or ac.first_name ilike $2 or ac.last_name ilike $2 or ac.primary_phone ilike $2)
       and ($3 is null or ac.sms_consent = $3) and ($4 is null or ac.email_consent = $4)
     group by ac.audience_id'
  using audience_ids, pattern, sms, email;
end $$;
