import { DateTimeISOResolver } from 'graphql-scalars';
import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { Node } from '../common/types/node.type';
import { PageType } from '../common/types/page.type';

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description: 'A named group of an organization’s contacts, the target of a campaign.',
})
// A federation entity: another subgraph refers to it by id (see src/federation).
@Directive('@key(fields: "id")')
export class Audience {
  @Field(() => ID, { description: 'The audience id (UUID).' })
  id!: string;

  @Field(() => ID, { description: 'The organization the audience belongs to.' })
  organizationId!: string;

  @Field({ description: 'Name, 3 to 64 characters.' })
  name!: string;

  @Field(() => String, { nullable: true, description: 'Description, up to 256 characters.' })
  description!: string | null;

  @Field(() => DateTimeISOResolver, { description: 'When the audience was created.' })
  createdAt!: Date;

  @Field(() => DateTimeISOResolver, { description: 'When the audience was last updated.' })
  updatedAt!: Date;

  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: 'When the audience was deleted; null while it is live.',
  })
  deletedAt!: Date | null;

  @Field(() => ID, { nullable: true, description: 'The user who created the audience.' })
  createdBy!: string | null;

  @Field(() => ID, { nullable: true, description: 'The user who last updated the audience.' })
  updatedBy!: string | null;

  @Field(() => ID, { nullable: true, description: 'The user who deleted the audience.' })
  deletedBy!: string | null;

  // Kept on the audience's row by the database (AudienceEntity.contactCount): reading it costs no
  // statement, whatever the page size.
  @Field(() => Int, {
    description:
      'How many contacts the audience holds: kept on its row by the database, so a page of 100 audiences costs no statement more.',
  })
  contactCount!: number;

  // Kept on the row as contactCount is, by the same triggers: exact, and free to read.
  @Field(() => Int, {
    description:
      'How many of its contacts are SUBSCRIBED to text messages: exact, kept on its row as contactCount is.',
  })
  smsSubscribedCount!: number;

  @Field(() => Int, {
    description: 'How many of its contacts are UNSUBSCRIBED from text messages, kept likewise.',
  })
  smsUnsubscribedCount!: number;

  @Field(() => Int, {
    description: 'How many of its contacts are SUBSCRIBED to e-mail, kept likewise.',
  })
  emailSubscribedCount!: number;

  @Field(() => Int, {
    description: 'How many of its contacts are UNSUBSCRIBED from e-mail, kept likewise.',
  })
  emailUnsubscribedCount!: number;
}

@ObjectType({ simpleResolvers: true, description: 'A page of audiences with its pagination meta.' })
export class AudiencePage extends PageType(Audience) {}
