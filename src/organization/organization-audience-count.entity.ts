import { Entity, OneToOne, Property } from '@mikro-orm/core';
import { OrganizationEntity } from './organization.entity';

/**
 * How many live audiences an organization has: the audiences list's total in one look-up instead
 * of a count of every audience on every read. Kept by the database alone (the audience triggers of
 * audience.sql); no code writes it.
 */
@Entity({ tableName: 'organization_audience_count' })
export class OrganizationAudienceCountEntity {
  @OneToOne(() => OrganizationEntity, { primary: true, owner: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @Property({ type: 'integer' })
  audiences!: number;
}
