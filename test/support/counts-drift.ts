import type { Knex } from '@mikro-orm/postgresql';

/**
 * What the database keeps for speed and what it should be: memberships whose copies differ from
 * their contact, audiences whose member count or search-piece counts are not true, and an
 * organization whose contact, piece or live-audience counts are not. All empty when every copy
 * and count is exact.
 */
export async function countsDrift(db: Knex, organizationId: string) {
  const { rows: copies } = await db.raw<{ rows: unknown[] }>(
    `select ac.audience_id, ac.contact_id from audience_contact ac join contact c on c.id = ac.contact_id
     where c.organization_id = ?
       and (ac.first_name, ac.last_name, ac.primary_phone, ac.contact_created_at, ac.search_text)
           is distinct from (c.first_name, c.last_name, c.primary_phone, c.created_at, c.search_text)`,
    [organizationId],
  );
  const { rows: counts } = await db.raw<{ rows: unknown[] }>(
    `select a.id, a.contact_count, (select count(*)::int from audience_contact ac where ac.audience_id = a.id) as truth
     from audience a where a.organization_id = ?
       and a.contact_count <> (select count(*) from audience_contact ac where ac.audience_id = a.id)`,
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
  return { copies, counts, pieces, organization };
}
