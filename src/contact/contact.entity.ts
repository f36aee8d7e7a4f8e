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
// Each carries both consent statuses, so that a page filtered by consent walks it alone.
@Index({
  name: 'contact_organization_created_idx',
  expression:
    'create index "contact_organization_created_idx" on "contact" ("organization_id", "created_at", "id") include ("sms_consent", "email_consent")',
})
@Index({
  name: 'contact_organization_first_name_idx',
  expression:
    'create index "contact_organization_first_name_idx" on "contact" ("organization_id", "first_name", "id") include ("sms_consent", "email_consent")',
})
@Index({
  name: 'contact_organization_last_name_idx',
  expression:
    'create index "contact_organization_last_name_idx" on "contact" ("organization_id", "last_name", "id") include ("sms_consent", "email_consent")',
})
@Index({
  name: 'contact_organization_primary_phone_idx',
  expression:
    'create index "contact_organization_primary_phone_idx" on "contact" ("organization_id", "primary_phone", "id") include ("sms_consent", "email_consent")',
})
// A consent status first: the page and count of a filter that few contacts match.
@Index({
  name: 'contact_organization_sms_consent_idx',
  expression:
    'create index "contact_organization_sms_consent_idx" on "contact" ("organization_id", "sms_consent", "created_at", "id") include ("email_consent")',
})
@Index({
  name: 'contact_organization_email_consent_idx',
  expression:
    'create index "contact_organization_email_consent_idx" on "contact" ("organization_id", "email_consent", "created_at", "id") include ("sms_consent")',
})
@Check({
  name: 'contact_email_consent_needs_email',
  expression: "email_consent <> 'SUBSCRIBED' or primary_email is not null",
})
// Substring search: trigrams of the search text, within the organization.
@Index({
  name: 'contact_search_trgm_idx',
  expression:
    'create index "contact_search_trgm_idx" on "contact" using gin ("organization_id", "search_text" gin_trgm_ops)',
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
  // ConsentChangeEntity's.
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
