import { Field, ID, ObjectType } from 'type-graphql';
import { DateTimeISOResolver } from 'graphql-scalars';
import { PageType } from '../common/page.type';

@ObjectType({ description: 'A person an organization can message.' })
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
}

@ObjectType({ description: 'A page of contacts with its pagination meta.' })
export class ContactPage extends PageType(Contact) {}
