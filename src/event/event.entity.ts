import { Check, Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { OrganizationEntity } from '../organization/organization.entity';

/**
 * Changes, recorded by the database alone (event.sql) in the transaction of the change: the
 * outbox every way of reading events reads. No code writes it. A row holds one statement's
 * events of one type; its `sequence` is given as its transaction commits (null until then, and
 * invisible to every other transaction meanwhile).
 */
@Entity({ tableName: 'event' })
// The feed finds a row holding events after a position within this many rows before it
// (MOST_PER_ROW in event.repository.ts; record_events in event.sql stores at most as many).
@Check({ name: 'event_size_check', expression: 'size >= 1 and size <= 1000' })
@Index({
  name: 'event_sequence_idx',
  expression:
    'create unique index event_sequence_idx on event (organization_id, sequence) include (type) where sequence is not null',
})
@Index({
  name: 'event_unsequenced_idx',
  expression: 'create index event_unsequenced_idx on event (written) where sequence is null',
})
export class EventEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  /** The row's own id (each event's is in `ids`). */
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  /**
   * The sequence of the row's first event; its others follow (per organization, from 1, without
   * gaps, in commit order).
   */
  @Property({ type: 'bigint', nullable: true })
  sequence?: string | null;

  /** How many events the row holds: a statement's events of one type, up to 1,000. */
  @Property({ type: 'integer', default: 1 })
  size!: number;

  /** Each event's id, stable: the same on every delivery and replay (a webhook's `webhook-id`). */
  @Property({ columnType: 'uuid[]' })
  ids!: string[];

  /** The order of a transaction's events among themselves (written by the database). */
  @Property({ type: 'bigint', autoincrement: true })
  written!: string;

  @Property({ type: 'string', length: 64 })
  type!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'clock_timestamp()' })
  occurredAt!: Date;

  @Property({ type: 'uuid', nullable: true })
  actorUserId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorApiKeyId?: string | null;

  /** Each event's data, in the order of `ids`. */
  @Property({ type: 'jsonb' })
  data!: Record<string, unknown>[];
}

/** An organization's last given event sequence, and how far retention has pruned its events. */
@Entity({ tableName: 'event_sequence' })
export class EventSequenceEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @Property({ type: 'bigint', default: 0 })
  lastSequence!: string;

  /** Every event up to this sequence is gone: a cursor before it is GONE. */
  @Property({ type: 'bigint', default: 0 })
  prunedThrough!: string;
}
