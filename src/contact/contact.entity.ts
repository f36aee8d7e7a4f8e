import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrganizationEntity } from '../organization/organization.entity';

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
@Index({
  name: 'contact_first_name_trgm_idx',
  expression:
    'create index "contact_first_name_trgm_idx" on "contact" using gin ("first_name" gin_trgm_ops)',
})
@Index({
  name: 'contact_last_name_trgm_idx',
  expression:
    'create index "contact_last_name_trgm_idx" on "contact" using gin ("last_name" gin_trgm_ops)',
})
@Index({
  name: 'contact_primary_phone_trgm_idx',
  expression:
    'create index "contact_primary_phone_trgm_idx" on "contact" using gin ("primary_phone" gin_trgm_ops)',
})
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
}
