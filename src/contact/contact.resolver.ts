import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../server/request-context';
import { ContactsArgs } from './contact.args';
import { CreateContactInput, MAX_CONTACTS_PER_CREATE } from './contact.input';
import { Contact, ContactPage } from './contact.type';

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => ContactPage, {
    description: 'The contacts of your organization, one page at a time.',
  })
  contacts(@Args() args: ContactsArgs, @Ctx() { contacts }: RequestContext) {
    return contacts.list(args);
  }

  @Query(() => Contact, {
    nullable: true,
    description:
      "One contact of your organization; null with a NOT_FOUND error when it is unknown or another organization's.",
  })
  contact(
    @Arg('id', () => ID, { description: 'The contact id.' }) id: string,
    @Ctx() { contacts }: RequestContext,
  ) {
    return contacts.get(id);
  }

  @Mutation(() => [Contact], {
    description: `Creates 1 to ${MAX_CONTACTS_PER_CREATE} contacts, all or none, and returns them in input order.`,
  })
  createContacts(
    @Arg('input', () => [CreateContactInput], { description: 'The new contacts.' })
    input: CreateContactInput[],
    @Ctx() { contacts }: RequestContext,
  ) {
    return contacts.create(input);
  }
}
