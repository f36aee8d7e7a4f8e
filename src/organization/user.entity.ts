import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrganizationEntity } from './organization.entity';

/** A member of an organization; audiences record the user who created, updated or deleted them. */
@Entity({ tableName: 'app_user' })
@Index({ name: 'app_user_organization_idx', properties: ['organization'] })
export class UserEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => OrganizationEntity, { deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @Property({ type: 'string', length: 128 })
  name!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
