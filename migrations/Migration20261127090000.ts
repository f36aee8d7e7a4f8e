import { Migration } from '@mikro-orm/migrations';

/**
 * The organization-wide contacts list, counted without reading the contacts: the organization
 * row keeps how many contacts it has, and a table how many have each one- or two-letter search
 * piece (search_grams), both kept by the contact triggers below, as audiences keep theirs.
 */
export class Migration20261127090000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`alter table "organization" add column "contact_count" int not null default 0;`);
    this.addSql(
      `update "organization" o set "contact_count" = c.n from (select "organization_id", count(*)::int as n from "contact" group by 1) c where c."organization_id" = o."id";`,
    );

    this.addSql(
      `create table "organization_search_gram" ("organization_id" uuid not null, "gram" text not null, "contacts" int not null, constraint "organization_search_gram_pkey" primary key ("organization_id", "gram"));`,
    );
    this.addSql(
      `alter table "organization_search_gram" add constraint "organization_search_gram_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `insert into "organization_search_gram" ("organization_id", "gram", "contacts") select c."organization_id", g.gram, count(*)::int from "contact" c cross join unnest(c."search_grams") g(gram) group by 1, 2;`,
    );

    this.addSql(`create function "contact_added"() returns trigger language plpgsql as $$
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
end $$;`);
    this.addSql(
      `create trigger "contact_added" after insert on "contact" referencing new table as added_contacts for each statement execute function "contact_added"();`,
    );

    this.addSql(`create function "contact_removed"() returns trigger language plpgsql as $$
begin
  update organization o set contact_count = o.contact_count - r.contacts
  from (select organization_id, count(*)::int as contacts from removed_contacts group by 1) r
  where o.id = r.organization_id;
  update organization_search_gram s set contacts = s.contacts - r.contacts
  from (
    select r.organization_id, g.gram, count(*)::int as contacts
    from removed_contacts r cross join unnest(r.search_grams) g(gram)
    group by 1, 2
  ) r
  where s.organization_id = r.organization_id and s.gram = r.gram;
  return null;
end $$;`);
    this.addSql(
      `create trigger "contact_removed" after delete on "contact" referencing old table as removed_contacts for each statement execute function "contact_removed"();`,
    );

    // A changed contact moves between pieces of its organization too (and its memberships', as
    // contact_copy_to_memberships does for audiences).
    this.addSql(`create function "contact_changed"() returns trigger language plpgsql as $$
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
end $$;`);
    this.addSql(
      `create trigger "contact_changed" after update on "contact" referencing old table as previous_contacts new table as changed_contacts for each statement execute function "contact_changed"();`,
    );

    // As count_members_matching: a term with a trigram is counted from the trigram index, with a
    // plan made for the term.
    this.addSql(`create function "count_contacts_matching"(organization uuid, pattern text)
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
end $$;`);
  }
}
