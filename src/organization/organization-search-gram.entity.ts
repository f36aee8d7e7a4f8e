import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { OrganizationEntity } from './organization.entity';

/**
 * How many contacts of an organization have a one- or two-letter piece in their search text: the
 * exact count of a search that short over the whole contacts list, in one look-up. Kept by the
 * database alone (the contact triggers of contact.sql); see AudienceSearchGramEntity.
 */
@Entity({ tableName: 'organization_search_gram' })
export class OrganizationSearchGramEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @PrimaryKey({ type: 'text' })
  gram!: string;

  @Property({ type: 'integer' })
  contacts!: number;
}
