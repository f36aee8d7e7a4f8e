import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { ContactImportStatus } from './import-job.type';
import { OrganizationEntity } from '../organization/organization.entity';

/**
 * A bulk import of contacts (import-runner.ts runs it): its status, its counts and, while it is
 * queued or running, the instance that holds it (`leaseOwner`) and until when (`leaseUntil`).
 */
@Entity({ tableName: 'contact_import_job' })
@Index({
  name: 'contact_import_job_created_idx',
  expression:
    'create index contact_import_job_created_idx on contact_import_job (organization_id, created_at desc, id desc)',
})
@Index({
  name: 'contact_import_job_unfinished_idx',
  expression:
    "create index contact_import_job_unfinished_idx on contact_import_job (lease_until) where status in ('queued', 'running')",
})
export class ContactImportJobEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  // An enum to MikroORM: a varchar with the check of its values (contact_import_job_status_check).
  @Enum({ items: () => ContactImportStatus, columnType: 'varchar(16)', default: 'queued' })
  status!: ContactImportStatus;

  @Property({ type: 'string', length: 16 })
  format!: string;

  @Property({ type: 'uuid', nullable: true })
  audienceId?: string | null;

  @Property({ type: 'integer', default: 0 })
  rows!: number;

  @Property({ type: 'integer', default: 0 })
  rowsDone!: number;

  @Property({ type: 'integer', default: 0 })
  created!: number;

  @Property({ type: 'integer', default: 0 })
  updated!: number;

  @Property({ type: 'integer', default: 0 })
  unchanged!: number;

  @Property({ type: 'integer', default: 0 })
  rejected!: number;

  @Property({ type: 'jsonb', default: "'[]'" })
  problems!: unknown;

  @Property({ type: 'string', length: 512, nullable: true })
  reason?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorUserId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorApiKeyId?: string | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'clock_timestamp()' })
  createdAt!: Date;

  @Property({ type: 'datetime', length: 3, nullable: true })
  startedAt?: Date | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  finishedAt?: Date | null;

  @Property({ type: 'string', length: 64, nullable: true })
  leaseOwner?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  leaseUntil?: Date | null;
}
