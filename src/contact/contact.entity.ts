import {
  Check,
  Entity,
  Enum,
  Index,
  ManyToOne,
  PrimaryKey,
  Property,
  Unique,
} from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrganizationEntity } from '../organization/organization.entity';
import { CONTACT_SEARCH_TEXT_SQL } from './contact.search';
import { ConsentSource, ConsentStatus } from './consent.type';

/** A person an organization can message. */
@Entity({ tableName: 'contact' })
// One index per sort column, ending in id: cursor pages walk them from the cursor on.
@Index({
  name: 'contact_organization_created_idx',
  properties: ['organization', 'createdAt', 'id'],
})
@Index({
  name: 'contact_organization_first_name_idx',
  properties: ['organization', 'firstName', 'id'],
})
@Index({
  name: 'contact_organization_last_name_idx',
  properties: ['organization', 'lastName', 'id'],
})
@Index({
  name: 'contact_organization_primary_phone_idx',
  properties: ['organization', 'primaryPhone', 'id'],
})
// Substring search: trigrams of the search text, within the organization.
@Index({
  name: 'contact_search_trgm_idx',
  expression:
    'create index "contact_search_trgm_idx" on "contact" using gin ("organization_id", "search_text" gin_trgm_ops)',
})
// No e-mail address, no e-mail consent (contact/consent.columns.ts says it to the client first).
@Check({
  name: 'contact_email_consent_needs_email',
  expression: "email_consent <> 'SUBSCRIBED' or primary_email is not null",
})
// A contact is reached by phone: one contact per phone within an organization.
@Unique({ name: 'contact_organization_phone_unique', properties: ['organization', 'primaryPhone'] })
export class ContactEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => OrganizationEntity, { deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @Property({ type: 'string', length: 100 })
  firstName!: string;

  @Property({ type: 'string', length: 100 })
  lastName!: string;

  @Property({ type: 'string', length: 16 })
  primaryPhone!: string;

  @Property({ type: 'string', length: 254, nullable: true })
  primaryEmail?: string | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt: Date = new Date();

  // Marketing consent per channel (see contact/consent.columns.ts); the record of every change is
  // ConsentChangeEntity's. In no index, so that a consent change is a HOT update (the migration
  // of 20261203 says why).
  @Enum({
    items: () => ConsentStatus,
    nativeEnumName: 'consent_status',
    default: ConsentStatus.NEVER_SUBSCRIBED,
  })
  smsConsent: ConsentStatus = ConsentStatus.NEVER_SUBSCRIBED;

  @Property({ type: 'datetime', length: 3, nullable: true })
  smsConsentUpdatedAt?: Date | null;

  @Enum({ items: () => ConsentSource, nativeEnumName: 'consent_source', nullable: true })
  smsConsentSource?: ConsentSource | null;

  @Property({ type: 'string', length: 32, nullable: true })
  smsConsentKeyword?: string | null;

  @Enum({
    items: () => ConsentStatus,
    nativeEnumName: 'consent_status',
    default: ConsentStatus.NEVER_SUBSCRIBED,
  })
  emailConsent: ConsentStatus = ConsentStatus.NEVER_SUBSCRIBED;

  @Property({ type: 'datetime', length: 3, nullable: true })
  emailConsentUpdatedAt?: Date | null;

  @Enum({ items: () => ConsentSource, nativeEnumName: 'consent_source', nullable: true })
  emailConsentSource?: ConsentSource | null;

  @Property({ type: 'string', length: 32, nullable: true })
  emailConsentKeyword?: string | null;

  /** What `search` reads: the searched fields lowercased, one per line (see SEARCH_TEXT_SQL). */
  @Property({
    type: 'text',
    generated: `(${CONTACT_SEARCH_TEXT_SQL}) stored`,
    nullable: true,
  })
  searchText?: string;

  /**
   * The one- and two-letter pieces of the search text (the SQL function search_grams), which its
   * memberships count in their audience's AudienceSearchGramEntity rows.
   */
  @Property({
    columnType: 'text[]',
    generated: `(search_grams(${CONTACT_SEARCH_TEXT_SQL})) stored`,
    nullable: true,
  })
  searchGrams?: string[];
}
