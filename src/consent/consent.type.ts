import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageInfo } from '../common/types/connection.type';
import { PageType } from '../common/types/page.type';
import { Consent, ConsentChannel, ConsentSource, ConsentStatus } from '../contact/consent.type';

@ObjectType({ simpleResolvers: true, description: 'Who changed a consent.' })
export class ConsentActor {
  @Field(() => ID, { nullable: true, description: 'The user, when the change was a user’s.' })
  userId!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The API key it came with; null for the command line, which uses none.',
  })
  apiKeyId!: string | null;
}

@ObjectType({
  simpleResolvers: true,
  description: 'One change of a contact’s consent, as recorded for good (proof of consent).',
})
export class ConsentChange {
  @Field(() => ConsentChannel, { description: 'The channel whose consent changed.' })
  channel!: ConsentChannel;

  @Field(() => ConsentStatus, { description: 'The status it changed to.' })
  status!: ConsentStatus;

  @Field(() => ConsentStatus, { description: 'The status it changed from.' })
  previousStatus!: ConsentStatus;

  @Field(() => ConsentSource, { description: 'What changed it.' })
  source!: ConsentSource;

  @Field(() => String, { nullable: true, description: 'The inbound SMS keyword, when one did.' })
  keyword!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The phone (SMS) or e-mail address the consent was for, at the time.',
  })
  address!: string | null;

  @Field(() => DateTimeISOResolver, { description: 'When it changed.' })
  occurredAt!: Date;

  @Field(() => ConsentActor, {
    nullable: true,
    description: 'Who changed it; null for a change made outside the service (such as by SQL).',
  })
  actor!: ConsentActor | null;
}

@ObjectType({ simpleResolvers: true, description: 'A page of consent changes, newest first.' })
export class ConsentChangePage extends PageType(ConsentChange) {}

@ObjectType({ simpleResolvers: true, description: 'A consent change and its cursor.' })
export class ConsentChangeEdge {
  @Field({ description: 'Pass it as `after` to continue after this change.' })
  cursor!: string;

  @Field(() => ConsentChange, { description: 'The change.' })
  node!: ConsentChange;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A page of a contact’s consent changes by cursor, newest first (Relay connection).',
})
export class ConsentChangeConnection {
  @Field(() => [ConsentChangeEdge], { description: 'The changes of this page, newest first.' })
  edges!: ConsentChangeEdge[];

  @Field(() => PageInfo, { description: 'Whether more follow, and the cursors to get them.' })
  pageInfo!: PageInfo;

  @Field(() => Int, { description: 'How many changes the contact’s record holds.' })
  totalCount!: number;
}

@ObjectType({ simpleResolvers: true, description: 'What an opt-out list changed.' })
export class OptOutResult {
  @Field(() => Int, {
    description: 'Contacts that were not UNSUBSCRIBED on the channel and now are.',
  })
  unsubscribed!: number;

  @Field(() => Int, {
    description: 'Contacts that were UNSUBSCRIBED already: nothing changed nor was recorded.',
  })
  alreadyUnsubscribed!: number;

  @Field(() => [String], {
    description:
      'The phones (in E.164, de-duplicated, in request order) that are no contact of your organization.',
  })
  unknownPhones!: string[];
}

@ObjectType({ simpleResolvers: true, description: 'What an inbound text message did.' })
export class InboundSmsResult {
  @Field({
    description:
      'Whether the message was a keyword from a phone of your contacts, and so reached its consent (even when the status was that already).',
  })
  matched!: boolean;

  @Field(() => String, {
    nullable: true,
    description: 'The keyword the message was (upper case); null when it was none.',
  })
  keyword!: string | null;

  @Field(() => ID, { nullable: true, description: 'The contact with that phone, when matched.' })
  contactId!: string | null;

  @Field(() => Consent, {
    nullable: true,
    description: 'The contact’s SMS consent after the message, when matched.',
  })
  smsConsent!: Consent | null;
}

/** What an SMS keyword does. */
export enum SmsKeywordAction {
  OPT_OUT = 'OPT_OUT',
  OPT_IN = 'OPT_IN',
}

@ObjectType({ simpleResolvers: true, description: 'An inbound SMS keyword and what it does.' })
export class SmsKeyword {
  @Field({ description: 'The keyword, upper case: a message of this one word (any case) matches.' })
  keyword!: string;

  @Field(() => SmsKeywordAction, {
    description: 'OPT_OUT makes the sender UNSUBSCRIBED to SMS, OPT_IN SUBSCRIBED.',
  })
  action!: SmsKeywordAction;

  @Field({
    description:
      'Whether it is one of the service’s own (STOP, START, …), which cannot be changed.',
  })
  builtIn!: boolean;
}

registerEnumType(SmsKeywordAction, {
  name: 'SmsKeywordAction',
  description: 'What an inbound SMS keyword does to its sender’s SMS consent.',
  valuesConfig: {
    OPT_OUT: { description: 'Makes it UNSUBSCRIBED.' },
    OPT_IN: { description: 'Makes it SUBSCRIBED.' },
  },
});
