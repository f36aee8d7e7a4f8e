import { Migration } from '@mikro-orm/migrations';

/**
 * Reads that cost what their page costs, whatever the audience's size.
 *
 * A membership row carries copies of its contact's sort keys and a search text, so an audience's
 * members are sorted, skipped, searched and counted from indexes of their own (one per sort key,
 * and a trigram index scoped to the audience) instead of walking the organization's contacts and
 * probing membership. The copies are kept by the database alone (the triggers below), whichever
 * statement changes a contact or adds a membership.
 *
 * Contacts and audiences get the same search text (lowercased, the fields one per line) with one
 * trigram index scoped to the organization, in place of one trigram index per field.
 */
export class Migration20261127080000 extends Migration {
  override async up(): Promise<void> {
    // GIN indexes that lead with the audience's or organization's id, then the trigrams.
    this.addSql(`create extension if not exists btree_gin;`);

    // ILIKE on a UTF-8 database compares lower() of both sides, so LIKE on this text with a
    // lowered pattern finds the same rows, without lowering three fields of every row it reads.
    const contactSearch = `lower("first_name" || chr(10) || "last_name" || chr(10) || "primary_phone")`;

    this.addSql(
      `alter table "contact" add column "search_text" text generated always as (${contactSearch}) stored;`,
    );
    this.addSql(`drop index "contact_first_name_trgm_idx";`);
    this.addSql(`drop index "contact_last_name_trgm_idx";`);
    this.addSql(`drop index "contact_primary_phone_trgm_idx";`);
    this.addSql(
      `create index "contact_search_trgm_idx" on "contact" using gin ("organization_id", "search_text" gin_trgm_ops);`,
    );

    this.addSql(
      `alter table "audience" add column "search_text" text generated always as (lower("name" || chr(10) || coalesce("description"::text, ''))) stored;`,
    );
    this.addSql(`drop index "audience_name_trgm_idx";`);
    this.addSql(`drop index "audience_description_trgm_idx";`);
    this.addSql(
      `create index "audience_live_search_trgm_idx" on "audience" using gin ("organization_id", "search_text" gin_trgm_ops) where "deleted_at" is null;`,
    );

    this.addSql(
      `alter table "audience_contact" add column "first_name" varchar(100) null, add column "last_name" varchar(100) null, add column "primary_phone" varchar(16) null, add column "contact_created_at" timestamptz(3) null, add column "search_text" text generated always as (${contactSearch}) stored;`,
    );
    this.addSql(
      `update "audience_contact" ac set "first_name" = c."first_name", "last_name" = c."last_name", "primary_phone" = c."primary_phone", "contact_created_at" = c."created_at" from "contact" c where c."id" = ac."contact_id";`,
    );
    this.addSql(
      `alter table "audience_contact" alter column "first_name" set not null, alter column "last_name" set not null, alter column "primary_phone" set not null, alter column "contact_created_at" set not null;`,
    );
    this.addSql(
      `create index "audience_contact_first_name_idx" on "audience_contact" ("audience_id", "first_name", "contact_id");`,
    );
    this.addSql(
      `create index "audience_contact_last_name_idx" on "audience_contact" ("audience_id", "last_name", "contact_id");`,
    );
    this.addSql(
      `create index "audience_contact_primary_phone_idx" on "audience_contact" ("audience_id", "primary_phone", "contact_id");`,
    );
    // Carries the search text too, so that a search no trigram can serve (the page of a one- or
    // two-letter term, a term like `a-b`) reads this index alone, not the table.
    this.addSql(
      `create index "audience_contact_created_idx" on "audience_contact" ("audience_id", "contact_created_at", "contact_id") include ("search_text");`,
    );
    this.addSql(
      `create index "audience_contact_search_trgm_idx" on "audience_contact" using gin ("audience_id", "search_text" gin_trgm_ops);`,
    );

    // The one- and two-letter pieces of a search text: a term that short matches a row exactly
    // when it is one of the row's pieces, so counting its matches is a look-up (see
    // audience_search_gram) where no trigram index can help. Pieces across a line break (between
    // two fields) are left out; lower() maps each character to one character, so a term of one
    // or two characters stays that long.
    this.addSql(`create function "search_grams"(search_text text) returns text[]
language sql immutable parallel safe as $$
  select coalesce(array_agg(distinct gram), '{}') from (
    select substr(search_text, i, 1) as gram from generate_series(1, length(search_text)) i
    union all
    select substr(search_text, i, 2) from generate_series(1, length(search_text) - 1) i
  ) grams where strpos(gram, chr(10)) = 0
$$;`);
    // Kept on the contact, so that adding it to audiences costs no string work.
    this.addSql(
      `alter table "contact" add column "search_grams" text[] generated always as (search_grams(${contactSearch})) stored;`,
    );

    // How many members of each audience have each piece: the exact count of a one- or two-letter
    // search, kept by the membership triggers below.
    this.addSql(
      `create table "audience_search_gram" ("audience_id" uuid not null, "gram" text not null, "members" int not null, constraint "audience_search_gram_pkey" primary key ("audience_id", "gram"));`,
    );
    this.addSql(
      `alter table "audience_search_gram" add constraint "audience_search_gram_audience_id_foreign" foreign key ("audience_id") references "audience" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `insert into "audience_search_gram" ("audience_id", "gram", "members") select ac."audience_id", g.gram, count(*)::int from "audience_contact" ac join "contact" c on c."id" = ac."contact_id" cross join unnest(c."search_grams") g(gram) group by 1, 2;`,
    );

    // A contact's change reaches its memberships, and their audiences' piece counts, in the same
    // statement.
    this
      .addSql(`create function "contact_copy_to_memberships"() returns trigger language plpgsql as $$
begin
  update audience_contact ac
  set first_name = n.first_name, last_name = n.last_name, primary_phone = n.primary_phone,
      contact_created_at = n.created_at
  from changed_contacts n
  where ac.contact_id = n.id
    and (ac.first_name, ac.last_name, ac.primary_phone, ac.contact_created_at)
        is distinct from (n.first_name, n.last_name, n.primary_phone, n.created_at);
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
end $$;`);
    this.addSql(
      `create trigger "contact_copy_to_memberships" after update on "contact" referencing old table as previous_contacts new table as changed_contacts for each statement execute function "contact_copy_to_memberships"();`,
    );

    // New memberships take their contact's values whatever the inserting statement wrote, and
    // count in their audience's member count and piece counts. The contacts are share-locked
    // first, in id order: a concurrent update of one waits for this transaction (and then sees its
    // rows), or has committed and is what the copy reads. (A statement that changes many contacts
    // must lock them in id order too, or it can deadlock.)
    this.addSql(`create function "membership_added"() returns trigger language plpgsql as $$
declare
  stale record;
begin
  perform 1 from contact c where c.id in (select contact_id from added_memberships) order by c.id for share;
  for stale in
    select n.audience_id, n.contact_id, c.first_name, c.last_name, c.primary_phone, c.created_at
    from added_memberships n join contact c on c.id = n.contact_id
    where (n.first_name, n.last_name, n.primary_phone, n.contact_created_at)
          is distinct from (c.first_name, c.last_name, c.primary_phone, c.created_at)
  loop
    update audience_contact
    set first_name = stale.first_name, last_name = stale.last_name,
        primary_phone = stale.primary_phone, contact_created_at = stale.created_at
    where audience_id = stale.audience_id and contact_id = stale.contact_id;
  end loop;
  update audience a set contact_count = a.contact_count + n.members
  from (select audience_id, count(*)::int as members from added_memberships group by 1) n
  where a.id = n.audience_id;
  insert into audience_search_gram (audience_id, gram, members)
  select n.audience_id, g.gram, count(*)::int
  from added_memberships n join contact c on c.id = n.contact_id cross join unnest(c.search_grams) g(gram)
  group by 1, 2 order by 1, 2
  on conflict (audience_id, gram) do update set members = audience_search_gram.members + excluded.members;
  return null;
end $$;`);
    this.addSql(
      `create trigger "membership_added" after insert on "audience_contact" referencing new table as added_memberships for each statement execute function "membership_added"();`,
    );

    // Memberships gone (their contact or audience deleted, or removed) leave the counts. Their
    // contact may be gone already: the pieces come from the membership's own search text.
    this.addSql(`create function "membership_removed"() returns trigger language plpgsql as $$
begin
  update audience a set contact_count = a.contact_count - o.members
  from (select audience_id, count(*)::int as members from removed_memberships group by 1) o
  where a.id = o.audience_id;
  update audience_search_gram s set members = s.members - o.members
  from (
    select o.audience_id, g.gram, count(*)::int as members
    from removed_memberships o cross join unnest(search_grams(o.search_text)) g(gram)
    group by 1, 2
  ) o
  where s.audience_id = o.audience_id and s.gram = o.gram;
  return null;
end $$;`);
    this.addSql(
      `create trigger "membership_removed" after delete on "audience_contact" referencing old table as removed_memberships for each statement execute function "membership_removed"();`,
    );

    // A search with a trigram in it is counted from the trigram index, whose cost follows the
    // matches, never by reading every member: PostgreSQL's estimate of how common the term is must
    // not flip the plan (the settings hold inside the function only). EXECUTE plans the count anew
    // for each term; a cached, generic plan would not know the term and read every member.
    this.addSql(`create function "count_members_matching"(audience_ids uuid[], pattern text)
returns table (audience_id uuid, total int) language plpgsql stable
set enable_seqscan = off set enable_indexscan = off set enable_indexonlyscan = off as $$
begin
  return query execute
    'select ac.audience_id, count(*)::int from audience_contact ac
     where ac.audience_id = any($1) and ac.search_text like lower($2)
       and (strpos($2, chr(10)) = 0
            or ac.first_name ilike $2 or ac.last_name ilike $2 or ac.primary_phone ilike $2)
     group by ac.audience_id'
  using audience_ids, pattern;
end $$;`);
  }
}
