import { Directive, Field, ID, Int, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { PageInfo } from '../common/types/connection.type';
import { Node } from '../common/types/node.type';
import { PageType } from '../common/types/page.type';
import { Consent } from './consent.type';

@ObjectType({
  simpleResolvers: true,
  implements: Node,
  description: 'A person an organization can message.',
})
// A federation entity: another subgraph refers to it by id (see src/federation).
@Directive('@key(fields: "id")')
export class Contact {
  @Field(() => ID, { description: 'The contact id (UUID).' })
  id!: string;

  @Field(() => ID, { description: 'The organization the contact belongs to.' })
  organizationId!: string;

  @Field({ description: 'Given name.' })
  firstName!: string;

  @Field({ description: 'Family name.' })
  lastName!: string;

  @Field({ description: 'Phone number in E.164 form, e.g. +1234567890.' })
  primaryPhone!: string;

  @Field(() => String, { nullable: true, description: 'E-mail address, if known.' })
  primaryEmail!: string | null;

  @Field(() => DateTimeISOResolver, { description: 'When the contact was created.' })
  createdAt!: Date;

  @Field(() => DateTimeISOResolver, { description: 'When the contact last changed.' })
  updatedAt!: Date;

  @Field(() => Consent, { description: 'Marketing consent to text messages (to primaryPhone).' })
  smsConsent!: Consent;

  @Field(() => Consent, {
    description:
      'Marketing consent to e-mail (to primaryEmail): never SUBSCRIBED without an e-mail address.',
  })
  emailConsent!: Consent;
}

@ObjectType({ simpleResolvers: true, description: 'A page of contacts with its pagination meta.' })
export class ContactPage extends PageType(Contact) {}

@ObjectType({ simpleResolvers: true, description: 'A contact and its cursor.' })
export class ContactEdge {
  @Field({ description: 'Pass it as `after` to continue after this contact.' })
  cursor!: string;

  @Field(() => Contact, { description: 'The contact.' })
  node!: Contact;
}

@ObjectType({
  simpleResolvers: true,
  description: 'A page of an audience’s contacts by cursor (Relay connection).',
})
export class ContactConnection {
  @Field(() => [ContactEdge], { description: 'The contacts of this page, in order.' })
  edges!: ContactEdge[];

  @Field(() => PageInfo, { description: 'Whether more follow, and the cursors to get them.' })
  pageInfo!: PageInfo;

  @Field(() => Int, {
    description: 'How many contacts of the audience match the search (all of them without one).',
  })
  totalCount!: number;
}
