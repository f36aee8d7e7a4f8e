import type { Knex } from '@mikro-orm/postgresql';

/**
 * What the database keeps for speed and what it should be: memberships whose copies differ from
 * their contact, audiences whose member, consent or search-piece counts are not true, an
 * organization whose contact, consent, piece or live-audience counts are not, and contacts whose
 * record of consent changes does not lead, change by change, to their consent. All empty when
 * every copy and count is exact.
 */
export async function countsDrift(db: Knex, organizationId: string) {
  const { rows: copies } = await db.raw<{ rows: unknown[] }>(
    `select ac.audience_id, ac.contact_id from audience_contact ac join contact c on c.id = ac.contact_id
     where c.organization_id = ?
       and (ac.first_name, ac.last_name, ac.primary_phone, ac.contact_created_at, ac.search_text,
            ac.sms_consent, ac.email_consent)
           is distinct from (c.first_name, c.last_name, c.primary_phone, c.created_at, c.search_text,
            c.sms_consent, c.email_consent)`,
    [organizationId],
  );
  const { rows: counts } = await db.raw<{ rows: unknown[] }>(
    `select a.id, kept, truth from audience a
     cross join lateral (select array[a.contact_count, a.sms_subscribed_count, a.sms_unsubscribed_count,
                                      a.email_subscribed_count, a.email_unsubscribed_count] as kept) k
     cross join lateral (
       select array[count(*)::int,
                    count(*) filter (where c.sms_consent = 'SUBSCRIBED')::int,
                    count(*) filter (where c.sms_consent = 'UNSUBSCRIBED')::int,
                    count(*) filter (where c.email_consent = 'SUBSCRIBED')::int,
                    count(*) filter (where c.email_consent = 'UNSUBSCRIBED')::int] as truth
       from audience_contact ac join contact c on c.id = ac.contact_id where ac.audience_id = a.id) t
     where a.organization_id = ? and kept <> truth`,
    [organizationId],
  );
  const { rows: pieces } = await db.raw<{ rows: unknown[] }>(
    `with truth as (
       select ac.audience_id, g.gram, count(*)::int as members
       from audience_contact ac join audience a on a.id = ac.audience_id
       cross join unnest(search_grams(ac.search_text)) g(gram)
       where a.organization_id = ? group by 1, 2
     ), kept as (
       select s.audience_id, s.gram, s.members from audience_search_gram s
       join audience a on a.id = s.audience_id where a.organization_id = ? and s.members <> 0
     )
     select * from truth full join kept using (audience_id, gram)
     where truth.members is distinct from kept.members`,
    [organizationId, organizationId],
  );
  const { rows: organization } = await db.raw<{ rows: unknown[] }>(
    `with truth as (
       select g.gram, count(*)::int as contacts
       from contact c cross join unnest(search_grams(c.search_text)) g(gram)
       where c.organization_id = ? group by 1
       union all
       select '(all)', (select count(*)::int from contact where organization_id = ?)
       union all
       select '(live audiences)',
         (select count(*)::int from audience where organization_id = ? and deleted_at is null)

     ), kept as (
       select gram, contacts from organization_search_gram where organization_id = ? and contacts <> 0
       union all
       select '(all)', contact_count from organization where id = ?
       union all
       select '(live audiences)',
         coalesce((select audiences from organization_audience_count where organization_id = ?), 0)
     )
     select * from truth full join kept using (gram)
     where truth.contacts is distinct from kept.contacts`,
    [
      organizationId,
      organizationId,
      organizationId,
      organizationId,
      organizationId,
      organizationId,
    ],
  );
  const { rows: organizationConsent } = await db.raw<{ rows: unknown[] }>(
    `select o.id, kept, truth from organization o
     cross join lateral (select array[o.sms_subscribed_count, o.sms_unsubscribed_count,
                                      o.email_subscribed_count, o.email_unsubscribed_count] as kept) k
     cross join lateral (
       select array[count(*) filter (where c.sms_consent = 'SUBSCRIBED')::int,
                    count(*) filter (where c.sms_consent = 'UNSUBSCRIBED')::int,
                    count(*) filter (where c.email_consent = 'SUBSCRIBED')::int,
                    count(*) filter (where c.email_consent = 'UNSUBSCRIBED')::int] as truth
       from contact c where c.organization_id = o.id) t
     where o.id = ? and kept <> truth`,
    [organizationId],
  );
  // Each change starts from the status the one before it left (NEVER_SUBSCRIBED at first), and
  // the last leaves the contact's status.
  const { rows: record } = await db.raw<{ rows: unknown[] }>(
    `with changes as (
       select r.contact_id, r.channel, r.id, r.status, r.previous_status,
              lag(r.status) over (partition by r.contact_id, r.channel order by r.id) as before
       from consent_change r where r.organization_id = ?
     ), last as (
       select distinct on (contact_id, channel) contact_id, channel, status
       from changes order by contact_id, channel, id desc
     )
     select contact_id, channel, id, 'breaks the chain' as problem from changes
     where previous_status <> coalesce(before, 'NEVER_SUBSCRIBED')
     union all
     select c.id, ch.channel, null, 'contact differs from its record'
     from contact c cross join (values ('SMS'::consent_channel), ('EMAIL'::consent_channel)) ch(channel)
     left join last l on l.contact_id = c.id and l.channel = ch.channel
     where c.organization_id = ?
       and coalesce(l.status, 'NEVER_SUBSCRIBED')
           <> case when ch.channel = 'SMS' then c.sms_consent else c.email_consent end`,
    [organizationId, organizationId],
  );
  return {
    copies,
    counts,
    pieces,
    organization: [...organization, ...organizationConsent],
    record,
  };
}

/** What countsDrift finds when every copy and count is exact. */
export const NO_DRIFT = { copies: [], counts: [], pieces: [], organization: [], record: [] };
