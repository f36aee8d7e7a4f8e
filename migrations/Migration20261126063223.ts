import { Migration } from '@mikro-orm/migrations';

export class Migration20261126063223 extends Migration {
  override async up(): Promise<void> {
    // Trigram indexes serve the case-insensitive substring searches (ILIKE '%term%').
    this.addSql(`create extension if not exists pg_trgm;`);

    this.addSql(
      `create table "organization" ("id" uuid not null default gen_random_uuid(), "name" varchar(128) not null, "created_at" timestamptz(3) not null default now(), constraint "organization_pkey" primary key ("id"));`,
    );

    this.addSql(
      `create table "contact" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "first_name" varchar(100) not null, "last_name" varchar(100) not null, "primary_phone" varchar(16) not null, "primary_email" varchar(254) null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), constraint "contact_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "contact_primary_phone_trgm_idx" on "contact" using gin ("primary_phone" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "contact_last_name_trgm_idx" on "contact" using gin ("last_name" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "contact_first_name_trgm_idx" on "contact" using gin ("first_name" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "contact_organization_created_idx" on "contact" ("organization_id", "created_at", "id");`,
    );

    this.addSql(
      `create table "app_user" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "name" varchar(128) not null, "created_at" timestamptz(3) not null default now(), constraint "app_user_pkey" primary key ("id"));`,
    );
    this.addSql(`create index "app_user_organization_idx" on "app_user" ("organization_id");`);

    this.addSql(
      `create table "audience" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "name" varchar(64) not null, "description" varchar(256) null, "created_at" timestamptz(3) not null default now(), "updated_at" timestamptz(3) not null default now(), "deleted_at" timestamptz(3) null, "created_by" uuid null, "updated_by" uuid null, "deleted_by" uuid null, constraint "audience_pkey" primary key ("id"));`,
    );
    this.addSql(
      `create index "audience_description_trgm_idx" on "audience" using gin ("description" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "audience_name_trgm_idx" on "audience" using gin ("name" gin_trgm_ops);`,
    );
    this.addSql(
      `create index "audience_live_name_idx" on "audience" ("organization_id", "name", "id") where "deleted_at" is null;`,
    );
    this.addSql(
      `create index "audience_live_updated_idx" on "audience" ("organization_id", "updated_at", "id") where "deleted_at" is null;`,
    );
    this.addSql(
      `create index "audience_live_created_idx" on "audience" ("organization_id", "created_at", "id") where "deleted_at" is null;`,
    );

    this.addSql(
      `create table "audience_contact" ("audience_id" uuid not null, "contact_id" uuid not null, "added_at" timestamptz(3) not null default now(), "added_by" uuid null, constraint "audience_contact_pkey" primary key ("audience_id", "contact_id"));`,
    );
    this.addSql(
      `create index "audience_contact_contact_idx" on "audience_contact" ("contact_id");`,
    );

    this.addSql(
      `create table "api_key" ("id" uuid not null default gen_random_uuid(), "organization_id" uuid not null, "user_id" uuid not null, "key_hash" varchar(64) not null, "created_at" timestamptz(3) not null default now(), "revoked_at" timestamptz(3) null, constraint "api_key_pkey" primary key ("id"));`,
    );
    this.addSql(
      `alter table "api_key" add constraint "api_key_key_hash_unique" unique ("key_hash");`,
    );
    this.addSql(`create index "api_key_user_idx" on "api_key" ("user_id");`);
    this.addSql(`create index "api_key_organization_idx" on "api_key" ("organization_id");`);

    this.addSql(
      `alter table "contact" add constraint "contact_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "app_user" add constraint "app_user_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );

    this.addSql(
      `alter table "audience" add constraint "audience_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "audience" add constraint "audience_created_by_foreign" foreign key ("created_by") references "app_user" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "audience" add constraint "audience_updated_by_foreign" foreign key ("updated_by") references "app_user" ("id") on update cascade on delete set null;`,
    );
    this.addSql(
      `alter table "audience" add constraint "audience_deleted_by_foreign" foreign key ("deleted_by") references "app_user" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "audience_contact" add constraint "audience_contact_audience_id_foreign" foreign key ("audience_id") references "audience" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "audience_contact" add constraint "audience_contact_contact_id_foreign" foreign key ("contact_id") references "contact" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "audience_contact" add constraint "audience_contact_added_by_foreign" foreign key ("added_by") references "app_user" ("id") on update cascade on delete set null;`,
    );

    this.addSql(
      `alter table "api_key" add constraint "api_key_organization_id_foreign" foreign key ("organization_id") references "organization" ("id") on update cascade on delete cascade;`,
    );
    this.addSql(
      `alter table "api_key" add constraint "api_key_user_id_foreign" foreign key ("user_id") references "app_user" ("id") on update cascade on delete cascade;`,
    );
  }
}
