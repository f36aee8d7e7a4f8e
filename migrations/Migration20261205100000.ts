import { Migration } from '@mikro-orm/migrations';

/**
 * Import jobs (src/bulk/): a bulk import of contacts, as a row any instance can read. The instance
 * that received the upload runs it and holds `lease_until` ahead of now while it does; a job whose
 * lease runs out while it is queued or running belongs to an instance that stopped, and is failed
 * by whichever instance sees it first (its transaction went with its connection: nothing was
 * written). Keyed by organization first, as every table Citus would shard (CITUS.md).
 */
export class Migration20261205100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(`create table contact_import_job (
      organization_id uuid not null,
      id uuid not null default gen_random_uuid(),
      status varchar(16) not null default 'queued',
      format varchar(16) not null,
      audience_id uuid,
      rows int not null default 0,
      rows_done int not null default 0,
      created int not null default 0,
      updated int not null default 0,
      unchanged int not null default 0,
      rejected int not null default 0,
      problems jsonb not null default '[]',
      reason varchar(512),
      actor_user_id uuid,
      actor_api_key_id uuid,
      created_at timestamptz(3) not null default clock_timestamp(),
      started_at timestamptz(3),
      finished_at timestamptz(3),
      lease_owner varchar(64),
      lease_until timestamptz(3),
      primary key (organization_id, id),
      constraint contact_import_job_status_check
        check (status in ('queued', 'running', 'completed', 'failed')),
      constraint contact_import_job_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);
    this.addSql(
      `create index contact_import_job_created_idx on contact_import_job (organization_id, created_at desc, id desc);`,
    );
    this.addSql(
      `create index contact_import_job_unfinished_idx on contact_import_job (lease_until) where status in ('queued', 'running');`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table if exists contact_import_job;`);
  }
}
