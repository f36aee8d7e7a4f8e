import { Arg, Args, Ctx, Mutation, Query, Resolver } from 'type-graphql';
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
