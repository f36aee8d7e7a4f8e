import { DateTimeISOResolver, JSONObjectResolver } from 'graphql-scalars';
import { Field, Float, ID, ObjectType } from 'type-graphql';
import { PageInfo } from '../common/types/connection.type';

@ObjectType({ simpleResolvers: true, description: 'Who made a change.' })
export class EventActor {
  @Field(() => ID, { nullable: true, description: 'The user, when the change was a user’s.' })
  userId!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The API key it came with; null for the command line, which uses none.',
  })
  apiKeyId!: string | null;
}

@ObjectType({ simpleResolvers: true, description: 'One change of the organization’s data.' })
export class Event {
  @Field(() => ID, {
    description: 'The event id (UUID): the same on every delivery and replay (`webhook-id`).',
  })
  id!: string;

  @Field(() => Float, {
    description:
      'The organization’s events are numbered from 1 without gaps, in the order their changes committed: a reader that has seen N has seen every event before N.',
  })
  sequence!: number;

  @Field({
    description:
      'What happened, a dotted string (`contact.created`, …; docs/events.md lists them). New types may be added: skip the ones you do not know.',
  })
  type!: string;

  @Field(() => DateTimeISOResolver, { description: 'When the change was made.' })
  occurredAt!: Date;

  @Field(() => EventActor, {
    nullable: true,
    description: 'Who made it; null for a change made outside the service (such as by SQL).',
  })
  actor!: EventActor | null;

  @Field(() => JSONObjectResolver, { description: 'What changed; its shape is the type’s.' })
  data!: Record<string, unknown>;
}

@ObjectType({ simpleResolvers: true, description: 'An event and its cursor.' })
export class EventEdge {
  @Field({ description: 'Pass it as `after` to read the events after this one.' })
  cursor!: string;

  @Field(() => Event, { description: 'The event.' })
  node!: Event;
}

@ObjectType({
  simpleResolvers: true,
  description: 'Events in sequence order (Relay connection).',
})
export class EventConnection {
  @Field(() => [EventEdge], { description: 'The events of this page, in sequence order.' })
  edges!: EventEdge[];

  @Field(() => PageInfo, {
    description:
      'Whether more follow. `endCursor` is never null here: at the end of the feed it is the cursor to poll with next.',
  })
  pageInfo!: PageInfo;
}

@ObjectType({ simpleResolvers: true, description: 'Where the feed stands after a page.' })
export class EventFeedMeta {
  @Field({
    description:
      'Pass it as `after` for the next page; at the end of the feed, the cursor to poll with next.',
  })
  nextCursor!: string;

  @Field({ description: 'Whether more events follow this page now.' })
  hasMore!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A page of the event feed.' })
export class EventFeedPage {
  @Field(() => [Event], { description: 'The events, in sequence order.' })
  data!: Event[];

  @Field(() => EventFeedMeta, { description: 'Where the feed stands.' })
  meta!: EventFeedMeta;
}
