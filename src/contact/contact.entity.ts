import { Entity, Index, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrganizationEntity } from '../organization/organization.entity';
import { CONTACT_SEARCH_TEXT_SQL } from './contact.search';

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
