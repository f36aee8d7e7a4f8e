import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, Float, ID, Int, ObjectType } from 'type-graphql';
import { PageType } from '../common/types/page.type';

@ObjectType({ simpleResolvers: true, description: 'A receiver of the organization’s events.' })
export class WebhookSubscription {
  @Field(() => ID, { description: 'The subscription id (UUID).' })
  id!: string;

  @Field({ description: 'Where events are POSTed.' })
  url!: string;

  @Field(() => [String], { description: 'The event types it receives.' })
  events!: string[];

  @Field(() => String, { nullable: true, description: 'What it is for.' })
  description!: string | null;

  @Field({
    description:
      'Whether events are delivered. A subscription failing for 24 hours is disabled (never deleted); a PUT with enabled: true starts it again.',
  })
  enabled!: boolean;

  @Field(() => String, { nullable: true, description: 'Why it was disabled, when it was.' })
  disabledReason!: string | null;

  @Field(() => Float, {
    description: 'The sequence of the last event delivered, or passed over by its types.',
  })
  deliveredThrough!: number;

  @Field(() => Int, { description: 'Failed attempts at the next event since the last success.' })
  failedAttempts!: number;

  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: 'Since when deliveries have failed without a success; null when they do not.',
  })
  failingSince!: Date | null;

  @Field(() => DateTimeISOResolver, { description: 'When the next event is tried.' })
  nextAttemptAt!: Date;

  @Field(() => DateTimeISOResolver, { description: 'When the subscription was created.' })
  createdAt!: Date;

  @Field(() => DateTimeISOResolver, { description: 'When the subscription last changed.' })
  updatedAt!: Date;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A new webhook subscription, with its signing secret: shown this once.',
})
export class CreatedWebhook extends WebhookSubscription {
  @Field({
    description:
      'The Standard Webhooks signing secret (`whsec_…`): verify `webhook-signature` with it. It is not shown again.',
  })
  secret!: string;
}

@ObjectType({ simpleResolvers: true, description: 'One attempt at delivering an event.' })
export class WebhookDelivery {
  @Field(() => ID, { description: 'The event (the `webhook-id` sent).' })
  eventId!: string;

  @Field(() => Float, { description: 'The event’s sequence.' })
  eventSequence!: number;

  @Field(() => DateTimeISOResolver, { description: 'When the attempt was made.' })
  attemptedAt!: Date;

  @Field(() => Int, { description: 'How long it took, in milliseconds.' })
  durationMs!: number;

  @Field(() => Int, {
    nullable: true,
    description: 'The receiver’s HTTP status; null when none came (timeout, no connection).',
  })
  statusCode!: number | null;

  @Field(() => String, { nullable: true, description: 'What went wrong; null on success.' })
  error!: string | null;

  @Field({ description: 'Whether the receiver answered 2xx.' })
  succeeded!: boolean;
}

@ObjectType({ simpleResolvers: true, description: 'A page of delivery attempts, newest first.' })
export class WebhookDeliveryPage extends PageType(WebhookDelivery) {}
