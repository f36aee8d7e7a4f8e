import { Entity, Index, ManyToOne, Property } from '@mikro-orm/core';
import { ContactEntity } from '../contact/contact.entity';
import { UserEntity } from '../organization/user.entity';
import { AudienceEntity } from './audience.entity';

/**
 * One contact's membership of one audience. The primary key (audience, contact) makes adding twice
 * a no-op and serves counts per audience as index-only scans; the contact index serves the reverse.
 */
@Entity({ tableName: 'audience_contact' })
@Index({ name: 'audience_contact_contact_idx', properties: ['contact'] })
export class AudienceMemberEntity {
  @ManyToOne(() => AudienceEntity, { primary: true, deleteRule: 'cascade' })
  audience!: AudienceEntity;

  @ManyToOne(() => ContactEntity, { primary: true, deleteRule: 'cascade' })
  contact!: ContactEntity;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  addedAt: Date = new Date();

  @ManyToOne(() => UserEntity, { fieldName: 'added_by', nullable: true, deleteRule: 'set null' })
  addedBy?: UserEntity | null;
}
