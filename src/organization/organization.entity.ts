import { Entity, PrimaryKey, Property } from '@mikro-orm/core';
import { randomUUID } from 'node:crypto';

/** A tenant: every contact, audience, user and API key belongs to exactly one organization. */
@Entity({ tableName: 'organization' })
export class OrganizationEntity {
  @PrimaryKey({ type: 'uuid', defaultRaw: 'gen_random_uuid()' })
  id: string = randomUUID();

  @Property({ type: 'string', length: 128 })
  name!: string;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();

  /**
   * Its contacts, kept by the database (the contact triggers of contact.sql): the
   * total of the contacts list without counting a million rows on every read.
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
}
