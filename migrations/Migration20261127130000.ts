import { Migration } from '@mikro-orm/migrations';

/**
 * One lock order for every write of contacts and memberships, so that none can deadlock another:
 * contacts (in id order), then audiences (in id order), then memberships, then the audiences'
 * search-piece rows (in audience and piece order), then the organization's row, then its
 * search-piece rows (in piece order).
 *
 * Before this, updating a contact while another was deleted could deadlock (seen by the
 * concurrency test): a removal or a delete changed piece rows in no particular order
 * (UPDATE … FROM) while an update or an add changed them in order. So membership_removed and
 * contact_removed now change them in order too, as the triggers that add to them do: an upsert of
 * negative counts (the rows are there, since the members they count are).
 * - the trigger that counts a changed contact in its organization's pieces now fires after the
 *   one that updates its memberships (triggers of one event fire in name order).
 */
export class Migration20261127130000 extends Migration {
  override async up(): Promise<void> {
    this
      .addSql(`create or replace function "membership_removed"() returns trigger language plpgsql as $$
begin
  update audience a set contact_count = a.contact_count - o.members
  from (select audience_id, count(*)::int as members from removed_memberships group by 1) o
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
end $$;`);

    this
      .addSql(`create or replace function "contact_removed"() returns trigger language plpgsql as $$
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
end $$;`);
  }
}
