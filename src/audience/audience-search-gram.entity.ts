import { Entity, ManyToOne, PrimaryKey, Property } from '@mikro-orm/core';
import { AudienceEntity } from './audience.entity';

/**
 * How many members of an audience have a one- or two-letter piece in their search text: the exact
 * count of a search that short, which no trigram index can serve, read in one look-up instead of
 * reading every member. Kept by the database alone (the membership and contact triggers of
 * membership.sql and contact.sql), whatever adds, removes or changes a member.
 */
@Entity({ tableName: 'audience_search_gram' })
export class AudienceSearchGramEntity {
  @ManyToOne(() => AudienceEntity, { primary: true, deleteRule: 'cascade' })
  audience!: AudienceEntity;

  @PrimaryKey({ type: 'text' })
  gram!: string;

  @Property({ type: 'integer' })
  members!: number;
}
