import { Entity, Enum, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { ConsentChannel, ConsentSource, ConsentStatus } from '../contact/consent.type';
import { OrganizationEntity } from '../organization/organization.entity';

/**
 * One change of a contact's consent, kept for good as proof of consent (GDPR, TCPA, Morocco's law
 * 09-08): written by the database alone (consent.sql) for every write of a contact that changes a
 * status, whatever door it came through; no code writes it. It outlives its contact (no foreign
 * key), so that an erased contact's consent can still be proven; it goes with its organization.
 * Keyed by organization first, as every table Citus would shard (CITUS.md).
 */
@Entity({ tableName: 'consent_change' })
@Index({
  name: 'consent_change_contact_idx',
  expression:
    'create index consent_change_contact_idx on consent_change (organization_id, contact_id, id desc)',
})
export class ConsentChangeEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  /** In the order the record was written: newest first is by id. */
  @PrimaryKey({ type: 'bigint', autoincrement: true })
  id!: string;

  @Property({ type: 'uuid' })
  contactId!: string;

  @Enum({ items: () => ConsentChannel, nativeEnumName: 'consent_channel' })
  channel!: ConsentChannel;

  @Enum({ items: () => ConsentStatus, nativeEnumName: 'consent_status' })
  status!: ConsentStatus;

  @Enum({ items: () => ConsentStatus, nativeEnumName: 'consent_status' })
  previousStatus!: ConsentStatus;

  @Enum({ items: () => ConsentSource, nativeEnumName: 'consent_source' })
  source!: ConsentSource;

  @Property({ type: 'string', length: 32, nullable: true })
  keyword?: string | null;

  /** The phone or e-mail address the consent was for, at the time. */
  @Property({ type: 'string', length: 254, nullable: true })
  address?: string | null;

  @Property({ type: 'datetime', length: 3 })
  occurredAt!: Date;

  /** The actor's user and key (set by the service for its transaction, see organization/acting.ts). */
  @Property({ type: 'uuid', nullable: true })
  actorUserId?: string | null;

  @Property({ type: 'uuid', nullable: true })
  actorApiKeyId?: string | null;
}
