import { Entity, Enum, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { SmsKeywordAction } from './consent.type';
import { OrganizationEntity } from '../organization/organization.entity';

/** An inbound SMS keyword of an organization's own, beside the built-in ones (sms-keywords.ts). */
@Entity({ tableName: 'sms_keyword' })
export class SmsKeywordEntity {
  @ManyToOne(() => OrganizationEntity, { primary: true, deleteRule: 'cascade' })
  organization!: OrganizationEntity;

  /** Upper case: a message of this one word, in any case, matches. */
  @PrimaryKey({ type: 'string', length: 32 })
  keyword!: string;

  @Enum({ items: () => SmsKeywordAction, nativeEnumName: 'sms_keyword_action' })
  action!: SmsKeywordAction;

  @Property({ type: 'datetime', length: 3, defaultRaw: 'now()' })
  createdAt: Date = new Date();
}
