import { Migration } from '@mikro-orm/migrations';

/**
 * The audiences list's total without counting the audiences: a row per organization keeps how
 * many live audiences it has, kept by the audience triggers below. It is a table of its own rather
 * than a column of the organization row, which the contact triggers lock: creating an audience
 * does not wait for a contact import of the same organization to commit, nor the reverse.
 *
 * And API keys announce their changes: every process caches the keys it has resolved, and drops a
 * key when it hears (LISTEN api_key_changed) that the key was issued, revoked or deleted, whoever
 * did it (the service, the CLI, a cascade, psql). The payload is the key's hash.
 */
export class Migration20261127100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create table "organization_audience_count" ("organization_id" uuid not null, "audiences" int not null, constraint "organization_audience_count_pkey" primary key ("organization_id"));`,
    );
    this.addSql(
      `alter table "organization_audience_count" add constraint "organization_audience_count_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `insert into "organization_audience_count" ("organization_id", "audiences") select "organization_id", count(*)::int from "audience" where "deleted_at" is null group by 1;`,
    );

    // A live row entering (insert, undelete) counts +1, one leaving (soft or hard delete) -1.
    // Organizations are taken in id order, so that statements over the same organizations lock
    // their count rows in the same order.
    this.addSql(`create function "audience_added"() returns trigger language plpgsql as $$
begin
  insert into organization_audience_count (organization_id, audiences)
  select organization_id, count(*)::int from new_audiences where deleted_at is null
  group by 1 order by 1
  on conflict (organization_id) do update
    set audiences = organization_audience_count.audiences + excluded.audiences;
  return null;
end $$;`);
    this.addSql(
      `create trigger "audience_added" after insert on "audience" referencing new table as new_audiences for each statement execute function "audience_added"();`,
    );
    this.addSql(`create function "audience_removed"() returns trigger language plpgsql as $$
begin
  update organization_audience_count c set audiences = c.audiences - r.audiences
  from (
    select organization_id, count(*)::int as audiences from old_audiences
    where deleted_at is null group by 1
  ) r
  where c.organization_id = r.organization_id;
  return null;
end $$;`);
    this.addSql(
      `create trigger "audience_removed" after delete on "audience" referencing old table as old_audiences for each statement execute function "audience_removed"();`,
    );
    this.addSql(`create function "audience_changed"() returns trigger language plpgsql as $$
begin
  insert into organization_audience_count (organization_id, audiences)
  select organization_id, sum(delta)::int from (
    select organization_id, 1 as delta from new_audiences where deleted_at is null
    union all
    select organization_id, -1 from old_audiences where deleted_at is null
  ) d
  group by 1 having sum(delta) <> 0
  order by 1
  on conflict (organization_id) do update
    set audiences = organization_audience_count.audiences + excluded.audiences;
  return null;
end $$;`);
    this.addSql(
      `create trigger "audience_changed" after update on "audience" referencing old table as old_audiences new table as new_audiences for each statement execute function "audience_changed"();`,
    );

    this.addSql(`create function "api_key_notify"() returns trigger language plpgsql as $$
begin
  perform pg_notify('api_key_changed', key_hash) from (
    select key_hash from changed_keys order by key_hash
  ) k;
  return null;
end $$;`);
    for (const [event, table] of [
      ['insert', 'new'],
      ['update', 'new'],
      ['delete', 'old'],
    ] as const) {
      this.addSql(
        `create trigger "api_key_${event}_notify" after ${event} on "api_key" referencing ${table} table as changed_keys for each statement execute function "api_key_notify"();`,
      );
    }
  }
}
