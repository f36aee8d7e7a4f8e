-- The database's own logic of consent: the record of every change of a contact's consent, kept
-- for good (proof of consent). Written here, by the database, so that no write of a contact can
-- change consent without its record, whichever door or statement it came through. The one current
-- definition; the service applies this file after the migrations at every start
-- (src/database/logic.ts).
--
-- The actor is the transaction's (set by the service with set_config, see consent.repository.ts);
-- the source, keyword and time are the contact's new ones. A write that leaves a status as it was
-- records nothing. (On Citus this trigger would run per shard on the workers, and its set-based
-- insert from the transition table would become a loop, see CITUS.md.)
create or replace function consent_recorded() returns trigger language plpgsql as $$
declare
  actor_user uuid := nullif(current_setting('audience_gateway.actor_user_id', true), '')::uuid;
  actor_key uuid := nullif(current_setting('audience_gateway.actor_api_key_id', true), '')::uuid;
begin
  if tg_op = 'INSERT' then
    insert into consent_change (organization_id, contact_id, channel, status, previous_status,
      source, keyword, address, occurred_at, actor_user_id, actor_api_key_id)
    select n.organization_id, n.id, c.channel, c.status, 'NEVER_SUBSCRIBED', c.source, c.keyword,
      c.address, coalesce(c.at, n.created_at), actor_user, actor_key
    from recorded_contacts n cross join lateral (values
      ('SMS'::consent_channel, n.sms_consent, coalesce(n.sms_consent_source, 'API'), n.sms_consent_keyword,
       n.primary_phone, n.sms_consent_updated_at),
      ('EMAIL'::consent_channel, n.email_consent, coalesce(n.email_consent_source, 'API'),
       n.email_consent_keyword, n.primary_email, n.email_consent_updated_at)
    ) c(channel, status, source, keyword, address, at)
    where c.status <> 'NEVER_SUBSCRIBED';
  else
    insert into consent_change (organization_id, contact_id, channel, status, previous_status,
      source, keyword, address, occurred_at, actor_user_id, actor_api_key_id)
    select n.organization_id, n.id, c.channel, c.status, c.previous, c.source, c.keyword,
      c.address, coalesce(c.at, n.updated_at), actor_user, actor_key
    from recorded_contacts n join previous_contacts o on o.id = n.id
    cross join lateral (values
      ('SMS'::consent_channel, n.sms_consent, o.sms_consent, coalesce(n.sms_consent_source, 'API'),
       n.sms_consent_keyword, n.primary_phone, n.sms_consent_updated_at),
      ('EMAIL'::consent_channel, n.email_consent, o.email_consent, coalesce(n.email_consent_source, 'API'),
       n.email_consent_keyword, coalesce(n.primary_email, o.primary_email), n.email_consent_updated_at)
    ) c(channel, status, previous, source, keyword, address, at)
    where c.status <> c.previous;
  end if;
  return null;
end $$;
create or replace trigger consent_recorded_on_insert after insert on contact referencing new table as recorded_contacts for each statement execute function consent_recorded();
create or replace trigger consent_recorded_on_update after update on contact referencing old table as previous_contacts new table as recorded_contacts for each statement execute function consent_recorded();
