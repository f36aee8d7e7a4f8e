import { Entity, Enum, Index, ManyToOne, Property } from '@mikro-orm/core';
import { ConsentStatus } from '../contact/consent.type';
import { CONTACT_SEARCH_TEXT_SQL } from '../contact/contact.search';
import { ContactEntity } from '../contact/contact.entity';
import { UserEntity } from '../organization/user.entity';
import { AudienceEntity } from '../audience/audience.entity';

/**
 * One contact's membership of one audience. The primary key (audience, contact) makes adding twice
 * a no-op; the contact index serves the reverse.
 *
 * The row carries copies of its contact's sort keys and search text, so that an audience's members
 * are sorted, skipped, searched and counted from indexes of their own, whatever the size of the
 * organization. The database keeps the copies (the triggers of membership.sql): any
 * change of a contact reaches its memberships in the same statement, and a new membership takes
 * its contact's values whatever the inserting statement wrote.
 */
@Entity({ tableName: 'audience_contact' })
@Index({ name: 'audience_contact_contact_idx', properties: ['contact'] })
@Index({
  name: 'audience_contact_first_name_idx',
  properties: ['audience', 'firstName', 'contact'],
})
@Index({
  name: 'audience_contact_last_name_idx',
  properties: ['audience', 'lastName', 'contact'],
})
@Index({
  name: 'audience_contact_primary_phone_idx',
  properties: ['audience', 'primaryPhone', 'contact'],
})
// Carries the search text, so that a search no trigram can serve (the page of a one- or two-letter
// term, a term like `a-b`) reads this index alone, not the table.
@Index({
  name: 'audience_contact_created_idx',
  expression:
    'create index "audience_contact_created_idx" on "audience_contact" ("audience_id", "contact_created_at", "contact_id") include ("search_text")',
})
@Index({
  name: 'audience_contact_search_trgm_idx',
  expression:
    'create index "audience_contact_search_trgm_idx" on "audience_contact" using gin ("audience_id", "search_text" gin_trgm_ops)',
})
export class AudienceMemberEntity {
  @ManyToOne(() => AudienceEntity, { primary: true, deleteRule: 'cascade' })
  audience!: AudienceEntity;

  @ManyToOne(() => ContactEntity, { primary: true, deleteRule: 'cascade' })
  contact!: ContactEntity;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  addedAt: Date = new Date();

  @ManyToOne(() => UserEntity, { fieldName: 'added_by', nullable: true, deleteRule: 'set null' })
  addedBy?: UserEntity | null;

  /** The contact's firstName. */
  @Property({ type: 'string', length: 100 })
  firstName!: string;

  /** The contact's lastName. */
  @Property({ type: 'string', length: 100 })
  lastName!: string;

  /** The contact's primaryPhone. */
  @Property({ type: 'string', length: 16 })
  primaryPhone!: string;

  /** The contact's createdAt. */
  @Property({ type: 'datetime', length: 3 })
  contactCreatedAt!: Date;

  /**
   * The contact's smsConsent status. In no index, so that a consent change is a HOT update of its
   * memberships (the migration of 20261203 says why); a filtered page reads it from the row.
   */
  @Enum({
    items: () => ConsentStatus,
    nativeEnumName: 'consent_status',
    default: ConsentStatus.NEVER_SUBSCRIBED,
  })
  smsConsent: ConsentStatus = ConsentStatus.NEVER_SUBSCRIBED;

  /** The contact's emailConsent status. */
  @Enum({
    items: () => ConsentStatus,
    nativeEnumName: 'consent_status',
    default: ConsentStatus.NEVER_SUBSCRIBED,
  })
  emailConsent: ConsentStatus = ConsentStatus.NEVER_SUBSCRIBED;

  /** The contact's search text (see CONTACT_SEARCH_TEXT_SQL). */
  @Property({
    type: 'text',
    generated: `(${CONTACT_SEARCH_TEXT_SQL}) stored`,
    nullable: true,
  })
  searchText?: string;
}
