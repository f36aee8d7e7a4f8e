import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';

/** Whether a contact may be sent marketing on a channel. */
export enum ConsentStatus {
  SUBSCRIBED = 'SUBSCRIBED',
  UNSUBSCRIBED = 'UNSUBSCRIBED',
  NEVER_SUBSCRIBED = 'NEVER_SUBSCRIBED',
}

registerEnumType(ConsentStatus, {
  name: 'ConsentStatus',
  description: 'Whether a contact may be sent marketing on a channel.',
  valuesConfig: {
    SUBSCRIBED: { description: 'Opted in: may be messaged.' },
    UNSUBSCRIBED: { description: 'Opted out: must not be messaged.' },
    NEVER_SUBSCRIBED: { description: 'Never opted in (the default): must not be messaged.' },
  },
});

/** What changed a consent. */
export enum ConsentSource {
  API = 'API',
  IMPORT = 'IMPORT',
  KEYWORD = 'KEYWORD',
  OPT_OUT_LIST = 'OPT_OUT_LIST',
}

registerEnumType(ConsentSource, {
  name: 'ConsentSource',
  description: 'What changed a consent.',
  valuesConfig: {
    API: { description: 'A write through the API (GraphQL or REST).' },
    IMPORT: { description: 'A CSV import.' },
    KEYWORD: { description: 'An inbound SMS keyword (STOP, START, …).' },
    OPT_OUT_LIST: { description: 'An opt-out list (recordOptOuts, POST /api/contacts/opt-outs).' },
  },
});

/** A channel a contact consents to be messaged on. */
export enum ConsentChannel {
  SMS = 'SMS',
  EMAIL = 'EMAIL',
}

registerEnumType(ConsentChannel, {
  name: 'ConsentChannel',
  description: 'A channel a contact consents to be messaged on.',
  valuesConfig: {
    SMS: { description: 'Text messages to primaryPhone.' },
    EMAIL: { description: 'E-mail to primaryEmail.' },
  },
});

@ObjectType({
  simpleResolvers: true,
  description: 'A contact’s marketing consent on one channel.',
})
export class Consent {
  @Field(() => ConsentStatus, { description: 'Whether the contact may be messaged.' })
  status!: ConsentStatus;

  @Field(() => DateTimeISOResolver, {
    nullable: true,
    description: 'When the status last changed; null while it never has.',
  })
  updatedAt!: Date | null;

  @Field(() => ConsentSource, {
    nullable: true,
    description: 'What last changed the status; null while nothing has.',
  })
  source!: ConsentSource | null;

  @Field(() => String, {
    nullable: true,
    description: 'The inbound SMS keyword that last changed the status, when one did.',
  })
  keyword!: string | null;
}
