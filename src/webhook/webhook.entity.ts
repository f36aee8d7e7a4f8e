import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { OrganizationEntity } from '../organization/organization.entity';

/**
 * A receiver of an organization's events, and where its delivery stands: every event up to
 * `deliveredThrough` (that its filter takes) has been delivered; the next is tried at
 * `nextAttemptAt` by the one instance that holds its lease (webhook-deliverer.ts).
 */
@Entity({ tableName: 'webhook_subscription' })
@Index({
  name: 'webhook_subscription_due_idx',
  expression:
    'create index webhook_subscription_due_idx on webhook_subscription (next_attempt_at) where enabled',
})
export class WebhookSubscriptionEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id!: string;

  @Property({ type: 'string', length: 2048 })
  url!: string;

  /** The event types it receives. */
  @Property({ columnType: 'text[]' })
  events!: string[];

  @Property({ type: 'string', length: 256, nullable: true })
  description?: string | null;

  /** `whsec_…`: the Standard Webhooks signing key, shown once. */
  @Property({ type: 'string', length: 64 })
  secret!: string;

  @Property({ type: 'boolean', default: true })
  enabled!: boolean;

  @Property({ type: 'string', length: 256, nullable: true })
  disabledReason?: string | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt!: Date;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt!: Date;

  @Property({ type: 'bigint', default: 0 })
  deliveredThrough!: string;

  /** Failed attempts at the next event since the last success. */
  @Property({ type: 'integer', default: 0 })
  failedAttempts!: number;

  @Property({ type: 'datetime', length: 3, nullable: true })
  failingSince?: Date | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  nextAttemptAt!: Date;

  @Property({ type: 'string', length: 64, nullable: true })
  leaseOwner?: string | null;

  @Property({ type: 'datetime', length: 3, nullable: true })
  leaseUntil?: Date | null;
}

/** One attempt at delivering an event to a subscription. */
@Entity({ tableName: 'webhook_delivery' })
@Index({
  name: 'webhook_delivery_subscription_idx',
  expression:
    'create index webhook_delivery_subscription_idx on webhook_delivery (organization_id, subscription_id, id desc)',
})
export class WebhookDeliveryEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  subscriptionId!: string;

  @Property({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'bigint' })
  eventSequence!: string;

  @Property({ type: 'datetime', length: 3 })
  attemptedAt!: Date;

  @Property({ type: 'integer' })
  durationMs!: number;

  @Property({ type: 'integer', nullable: true })
  statusCode?: number | null;

  @Property({ type: 'string', length: 512, nullable: true })
  error?: string | null;

  @Property({ type: 'boolean' })
  succeeded!: boolean;
}
