import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

/**
 * An API key acts for one user of one organization. Only a SHA-256 hash of the key is stored: the
 * key itself is shown once, when it is created.
 */
@Entity({ tableName: 'api_key' })
@Index({ name: 'api_key_organization_idx', properties: ['organization'] })
@Index({ name: 'api_key_user_idx', properties: ['user'] })
export class ApiKeyEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => OrganizationEntity, { deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @ManyToOne(() => UserEntity, { deleteRule: 'cascade' })
  user!: UserEntity;

  /** Hex SHA-256 of the key; unique, so that a key is found by one index lookup. */
  @Property({ type: 'string', length: 64, unique: 'api_key_key_hash_unique' })
  keyHash!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  revokedAt?: Date | null;
}
