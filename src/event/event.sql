-- The database's own logic of events: the outbox. Every write of a contact, a consent, an
-- audience or a membership records its events here, in its own transaction, whichever door or
-- statement it came through (plain SQL behind the service's back included): an event exists
-- exactly when its change committed. The one current definition; the service applies this file
-- after the migrations at every start (src/database/logic.ts).
--
-- The actor is the transaction's (acting_user(), acting_api_key(): set by the service with
-- set_config, see organization/acting.ts); a write that set none is the database's own. An import names itself
-- (audience_gateway.import_id): its contacts are recorded as `contacts.imported` events of at most
-- 1,000 ids instead of one event a row, and so are a bulk statement's memberships and consents.
--
-- The triggers are named change_events_on_<operation> on every table: triggers of one event fire
-- in name order, and this name comes before the consent record's (consent_recorded_…), so that a
-- contact's `contact.created` comes before its first `contact.consent_changed`. They take no lock
-- but the organization's key share (the events' foreign key), which no other trigger conflicts with.
--
-- On Citus these statement triggers would run per shard on the workers, and their set-based
-- inserts from the transition tables would become loops (CITUS.md); the sequencing trigger works
-- there as it is (its organization's row is on the same shard).

-- A time as the API writes it: UTC, milliseconds, `Z`.
create or replace function event_json_time(at timestamptz) returns text language sql stable as $$
  select to_char(at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

-- A contact as the API answers it (REST's contact, GraphQL's Contact); test/events.test.ts
-- compares the two.
create or replace function contact_event_json(c contact) returns jsonb language sql stable as $$
  select jsonb_build_object('id', c.id, 'organizationId', c.organization_id,
    'firstName', c.first_name, 'lastName', c.last_name, 'primaryPhone', c.primary_phone,
    'primaryEmail', c.primary_email, 'createdAt', event_json_time(c.created_at),
    'updatedAt', event_json_time(c.updated_at),
    'smsConsent', jsonb_build_object('status', c.sms_consent,
      'updatedAt', event_json_time(c.sms_consent_updated_at), 'source', c.sms_consent_source,
      'keyword', c.sms_consent_keyword),
    'emailConsent', jsonb_build_object('status', c.email_consent,
      'updatedAt', event_json_time(c.email_consent_updated_at), 'source', c.email_consent_source,
      'keyword', c.email_consent_keyword))
$$;

-- An audience as the API answers it (REST's AudienceResponse: without its counts, which change
-- with every membership and have events of their own).
create or replace function audience_event_json(a audience) returns jsonb language sql stable as $$
  select jsonb_build_object('id', a.id, 'organizationId', a.organization_id, 'name', a.name,
    'description', a.description, 'createdAt', event_json_time(a.created_at),
    'updatedAt', event_json_time(a.updated_at), 'deletedAt', event_json_time(a.deleted_at),
    'createdBy', a.created_by, 'updatedBy', a.updated_by, 'deletedBy', a.deleted_by)
$$;

-- The transaction's actor (organization/acting.ts); null for a write that named none.
create or replace function acting_user() returns uuid language sql stable as $$
  select nullif(current_setting('audience_gateway.actor_user_id', true), '')::uuid
$$;
create or replace function acting_api_key() returns uuid language sql stable as $$
  select nullif(current_setting('audience_gateway.actor_api_key_id', true), '')::uuid
$$;

-- Where the triggers of one event per row (a contact, an audience) record their events: a
-- statement's events of one type are stored together, up to 1,000 in a row (one row, one index
-- entry and one numbering for a thousand contacts created at once). The feed reads each event out
-- of its row, with its own id and sequence. The events that already gather up to 1,000 ids
-- (memberships, consent, imports) are few and large, and take a row each.
create or replace function record_events(recorded event_row[]) returns void language sql as $$
  insert into event (organization_id, type, actor_user_id, actor_api_key_id, size, ids, data)
  select r.organization_id, r.type, acting_user(), acting_api_key(), count(*)::int,
    array_agg(gen_random_uuid() order by r.position), jsonb_agg(r.data order by r.position)
  from (select u.organization_id, u.type, u.data, u.position, (row_number() over (
          partition by u.organization_id, u.type order by u.position) - 1) / 1000 as chunk
        from unnest(recorded) with ordinality u(organization_id, type, data, position)) r
  group by r.organization_id, r.type, r.chunk
  order by r.organization_id, min(r.position)
$$;

-- Contacts: created, updated (the changed fields' old and new values: names, phone, e-mail, and
-- createdAt, which only SQL changes; consent has its own events, from its record), deleted; an
-- import's, in chunks of ids.
create or replace function events_of_contacts() returns trigger language plpgsql as $$
declare
  import_id text := nullif(current_setting('audience_gateway.import_id', true), '');
begin
  if import_id is not null and tg_op in ('INSERT', 'UPDATE') then
    insert into event (organization_id, type, actor_user_id, actor_api_key_id, ids, data)
    select organization_id, 'contacts.imported', acting_user(), acting_api_key(),
      array[gen_random_uuid()], jsonb_build_array(jsonb_build_object('importId', import_id,
        'created', case when tg_op = 'INSERT' then ids else '[]'::jsonb end,
        'updated', case when tg_op = 'UPDATE' then ids else '[]'::jsonb end))
    from (select organization_id, jsonb_agg(id order by id) as ids
          from (select organization_id, id,
                  (row_number() over (partition by organization_id order by id) - 1) / 1000 as chunk
                from new_contacts) numbered
          group by organization_id, chunk order by organization_id, chunk) chunks;
  elsif tg_op = 'INSERT' then
    perform record_events(array(
      select row(n.organization_id, 'contact.created',
          jsonb_build_object('contact', contact_event_json(n)))::event_row
      from new_contacts n order by n.organization_id, n.id));
  elsif tg_op = 'UPDATE' then
    perform record_events(array(
      select row(n.organization_id, 'contact.updated',
          jsonb_build_object('contact', contact_event_json(n), 'changes', changed.changes))::event_row
      from new_contacts n join old_contacts o on o.id = n.id
      cross join lateral (
        select jsonb_object_agg(f.field, jsonb_build_object('old', f.old, 'new', f.new)) as changes
        from (values ('firstName', to_jsonb(o.first_name), to_jsonb(n.first_name)),
                     ('lastName', to_jsonb(o.last_name), to_jsonb(n.last_name)),
                     ('primaryPhone', to_jsonb(o.primary_phone), to_jsonb(n.primary_phone)),
                     ('primaryEmail', to_jsonb(o.primary_email), to_jsonb(n.primary_email)),
                     ('createdAt', to_jsonb(event_json_time(o.created_at)),
                                   to_jsonb(event_json_time(n.created_at)))
        ) f(field, old, new) where f.old is distinct from f.new
      ) changed
      where changed.changes is not null
      order by n.organization_id, n.id));
  else
    perform record_events(array(
      select row(o.organization_id, 'contact.deleted',
          jsonb_build_object('contact', contact_event_json(o)))::event_row
      from old_contacts o
      -- An organization deleted for good takes its events with it: its contacts' go unrecorded.
      where exists (select 1 from organization g where g.id = o.organization_id)
      order by o.organization_id, o.id));
  end if;
  return null;
end $$;
create or replace trigger change_events_on_insert after insert on contact referencing new table as new_contacts for each statement execute function events_of_contacts();
create or replace trigger change_events_on_update after update on contact referencing old table as old_contacts new table as new_contacts for each statement execute function events_of_contacts();
create or replace trigger change_events_on_delete after delete on contact referencing old table as old_contacts for each statement execute function events_of_contacts();

-- Consent, as it lands in its record (consent.sql): the changes of one statement alike (channel,
-- old and new status, source, keyword) in events of at most 1,000 contact ids, so that an opt-out
-- list of 100,000 phones is about 100 events, and one contact's change one.
create or replace function events_of_consent_changes() returns trigger language plpgsql as $$
begin
  insert into event (organization_id, type, actor_user_id, actor_api_key_id, ids, data)
    select organization_id, 'contact.consent_changed', acting_user(), acting_api_key(),
      array[gen_random_uuid()], jsonb_build_array(jsonb_build_object('channel', channel,
        'status', status, 'previousStatus', previous_status, 'source', source, 'keyword', keyword,
        'contactIds', contact_ids))
    from (select organization_id, channel, status, previous_status, source, keyword,
            jsonb_agg(contact_id order by contact_id) as contact_ids
          from (select r.*, (row_number() over (partition by organization_id, channel, status,
                  previous_status, source, keyword order by contact_id) - 1) / 1000 as chunk
                from recorded_changes r) numbered
          group by organization_id, channel, status, previous_status, source, keyword, chunk
          order by organization_id, channel, status, previous_status, source, keyword, chunk) chunks;
  return null;
end $$;
create or replace trigger change_events_on_insert after insert on consent_change referencing new table as recorded_changes for each statement execute function events_of_consent_changes();

-- Audiences: created, updated (name or description; a count kept by the membership triggers is
-- no change of the audience; a deletion undone by SQL is `deletedAt` changing back to null),
-- deleted (by the API softly, an update; a row deleted for good by SQL says `erased: true`, and
-- its memberships go with it).
create or replace function events_of_audiences() returns trigger language plpgsql as $$
begin
  if tg_op = 'INSERT' then
    perform record_events(array(
      select row(n.organization_id, 'audience.created',
          jsonb_build_object('audience', audience_event_json(n)))::event_row
      from new_audiences n order by n.organization_id, n.id));
  elsif tg_op = 'DELETE' then
    perform record_events(array(
      select row(o.organization_id, 'audience.deleted',
          jsonb_build_object('audience', audience_event_json(o), 'erased', true))::event_row
      from old_audiences o
      -- An organization deleted for good takes its events with it: its audiences' go unrecorded.
      where exists (select 1 from organization g where g.id = o.organization_id)
      order by o.organization_id, o.id));
  else
    perform record_events(array(
      select row(n.organization_id,
          case when o.deleted_at is null and n.deleted_at is not null then 'audience.deleted'
               else 'audience.updated' end,
          jsonb_build_object('audience', audience_event_json(n)) ||
            case when o.deleted_at is null and n.deleted_at is not null then '{}'::jsonb
                 else jsonb_build_object('changes', changed.changes) end)::event_row
      from new_audiences n join old_audiences o on o.id = n.id
      cross join lateral (
        select jsonb_object_agg(f.field, jsonb_build_object('old', f.old, 'new', f.new)) as changes
        from (values ('name', to_jsonb(o.name), to_jsonb(n.name)),
                     ('description', to_jsonb(o.description), to_jsonb(n.description)),
                     ('deletedAt', to_jsonb(event_json_time(o.deleted_at)),
                                   to_jsonb(event_json_time(n.deleted_at)))
        ) f(field, old, new) where f.old is distinct from f.new
      ) changed
      where (o.deleted_at is null and n.deleted_at is not null)
         or (n.deleted_at is null and changed.changes is not null)
      order by n.organization_id, n.id));
  end if;
  return null;
end $$;
create or replace trigger change_events_on_insert after insert on audience referencing new table as new_audiences for each statement execute function events_of_audiences();
create or replace trigger change_events_on_update after update on audience referencing old table as old_audiences new table as new_audiences for each statement execute function events_of_audiences();
create or replace trigger change_events_on_delete after delete on audience referencing old table as old_audiences for each statement execute function events_of_audiences();

-- Memberships: the ids actually added or removed, per audience, in events of at most 1,000. The
-- memberships a contact's or an audience's erasure takes with it are not removals: its
-- `contact.deleted` or `audience.deleted` says it.
create or replace function events_of_memberships() returns trigger language plpgsql as $$
begin
  -- A membership names its audience alone: the organization is the audience's (an audience
  -- deleted with its organization has no row left here, and no event either).
  insert into event (organization_id, type, actor_user_id, actor_api_key_id, ids, data)
    select organization_id,
      case when tg_op = 'INSERT' then 'audience.members_added' else 'audience.members_removed' end,
      acting_user(), acting_api_key(), array[gen_random_uuid()],
      jsonb_build_array(jsonb_build_object('audienceId', audience_id, 'contactIds', contact_ids))
    from (select organization_id, audience_id, jsonb_agg(contact_id order by contact_id) as contact_ids
          from (select a.organization_id, m.audience_id, m.contact_id, (row_number() over (
                  partition by m.audience_id order by m.contact_id) - 1) / 1000 as chunk
                from changed_memberships m join audience a on a.id = m.audience_id
                where tg_op = 'INSERT'
                   or (exists (select 1 from contact c where c.id = m.contact_id)
                       and exists (select 1 from organization g where g.id = a.organization_id))
               ) numbered
          group by organization_id, audience_id, chunk
          order by organization_id, audience_id, chunk) chunks;
  return null;
end $$;
create or replace trigger change_events_on_insert after insert on audience_contact referencing new table as changed_memberships for each statement execute function events_of_memberships();
create or replace trigger change_events_on_delete after delete on audience_contact referencing old table as changed_memberships for each statement execute function events_of_memberships();

-- Commit order. An event's sequence is given as its transaction commits (a deferred trigger),
-- while that transaction holds its organization's event_sequence row, which it keeps until the
-- commit is done: a transaction that commits later waits for the row, so it gets the higher
-- numbers. A reader therefore never sees sequence N before every event below N is visible, and
-- the numbers have no gaps (a rolled-back transaction takes none). The cost: an organization's
-- writing transactions commit one at a time (each holds the row for its commit's WAL flush).
--
-- Deferred triggers fire in the order their rows were written, so the first to fire is the
-- transaction's first event: it numbers every event of the transaction written since (`written`
-- grows with every event, and only this transaction's have no number yet, all others visible
-- being committed), and notes how far it went; the others find theirs numbered without a query.
-- A range from the first event's `written` reads only this transaction's entries of the index,
-- whatever the entries older transactions left in it.
create or replace function event_sequence_at_commit() returns trigger language plpgsql as $$
declare
  through bigint := nullif(current_setting('audience_gateway.events_numbered_through', true), '')::bigint;
  organization record;
  last bigint;
  newest bigint;
begin
  if new.written <= through then
    return null;
  end if;
  for organization in
    select e.organization_id, sum(e.size) as events, max(e.written) as newest from event e
    where e.sequence is null and e.written >= new.written
    group by e.organization_id order by e.organization_id
  loop
    insert into event_sequence as s (organization_id, last_sequence)
    values (organization.organization_id, organization.events)
    on conflict (organization_id) do update set last_sequence = s.last_sequence + excluded.last_sequence
    returning s.last_sequence into last;
    -- A row's sequence is its first event's; its others follow it.
    update event e set sequence = last - organization.events + w.first
    from (select u.id, sum(u.size) over (order by u.written) - u.size + 1 as first from event u
          where u.sequence is null and u.written >= new.written
            and u.organization_id = organization.organization_id) w
    where e.organization_id = organization.organization_id and e.id = w.id;
    newest := greatest(newest, organization.newest);
  end loop;
  perform set_config('audience_gateway.events_numbered_through', coalesce(newest, new.written)::text, true);
  return null;
end $$;
create constraint trigger event_sequenced after insert on event deferrable initially deferred for each row execute function event_sequence_at_commit();
