import { Entity, Index, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';
import { AUDIENCE_SEARCH_TEXT_SQL } from './audience.search';
import { OrganizationEntity } from '../organization/organization.entity';
import { UserEntity } from '../organization/user.entity';

/**
 * A named group of contacts. Deleting is soft (deletedAt/deletedBy), so the list indexes cover live
 * rows only: one per sortable column, each ending in id, the tie-breaker of every page.
 */
@Entity({ tableName: 'audience' })
@Index({
  name: 'audience_live_created_idx',
  expression:
    'create index "audience_live_created_idx" on "audience" ("organization_id", "created_at", "id") where "deleted_at" is null',
})
@Index({
  name: 'audience_live_updated_idx',
  expression:
    'create index "audience_live_updated_idx" on "audience" ("organization_id", "updated_at", "id") where "deleted_at" is null',
})
@Index({
  name: 'audience_live_name_idx',
  expression:
    'create index "audience_live_name_idx" on "audience" ("organization_id", "name", "id") where "deleted_at" is null',
})
@Index({
  name: 'audience_live_search_trgm_idx',
  expression:
    'create index "audience_live_search_trgm_idx" on "audience" using gin ("organization_id", "search_text" gin_trgm_ops) where "deleted_at" is null',
})
export class AudienceEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @ManyToOne(() => OrganizationEntity, { deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  @Property({ type: 'string', length: 64 })
  name!: string;

  @Property({ type: 'string', length: 256, nullable: true })
  description?: string | null;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  updatedAt: Date = new Date();

  @Property({ type: 'datetime', length: 3, nullable: true })
  deletedAt?: Date | null;

  @ManyToOne(() => UserEntity, { fieldName: 'created_by', nullable: true, deleteRule: 'set null' })
  createdBy?: UserEntity | null;

  @ManyToOne(() => UserEntity, { fieldName: 'updated_by', nullable: true, deleteRule: 'set null' })
  updatedBy?: UserEntity | null;

  @ManyToOne(() => UserEntity, { fieldName: 'deleted_by', nullable: true, deleteRule: 'set null' })
  deletedBy?: UserEntity | null;

  /**
   * Members, kept by the database (the membership triggers of membership.sql) whatever
   * adds or removes them: counting the memberships of a 200,000-member audience costs tens of
   * milliseconds on every read, reading this costs nothing.
   */
  @Property({ type: 'integer', default: 0 })
  contactCount: number = 0;

  /**
   * Its contacts SUBSCRIBED to and UNSUBSCRIBED from each channel, kept by the same triggers as
   * contactCount (NEVER_SUBSCRIBED: the rest).
   */
  @Property({ type: 'integer', default: 0 })
  smsSubscribedCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  smsUnsubscribedCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  emailSubscribedCount: number = 0;

  @Property({ type: 'integer', default: 0 })
  emailUnsubscribedCount: number = 0;

  /** What `search` reads: name and description lowercased (see AUDIENCE_SEARCH_TEXT_SQL). */
  @Property({
    type: 'text',
    generated: `(${AUDIENCE_SEARCH_TEXT_SQL}) stored`,
    nullable: true,
  })
  searchText?: string;
}
