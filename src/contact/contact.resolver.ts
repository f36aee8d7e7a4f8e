import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ContactService } from './contact.service';
import { ContactsArgs } from './contact.args';
import { CreateContactInput, MAX_CONTACTS_PER_CREATE, UpdateContactInput } from './contact.input';
import { Contact, ContactPage } from './contact.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface ContactContext {
  contacts: ContactService;
}

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => ContactPage, {
    description: 'The contacts of your organization, one page at a time.',
  })
  contacts(@Args() args: ContactsArgs, @Ctx() { contacts }: ContactContext) {
    return contacts.list(args);
  }

  @Query(() => Contact, {
    nullable: true,
    description:
      "One contact of your organization; null with a NOT_FOUND error when it is unknown or another organization's.",
  })
  contact(
    @Arg('id', () => ID, { description: 'The contact id.' }) id: string,
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.get(id);
  }

  @Mutation(() => [Contact], {
    description: `Creates 1 to ${MAX_CONTACTS_PER_CREATE} contacts, all or none, and returns them in input order. A phone another contact of your organization has is a CONFLICT listing every such phone (extensions.takenPhones); a phone twice in the input is BAD_USER_INPUT.`,
  })
  createContacts(
    @Arg('input', () => [CreateContactInput], { description: 'The new contacts.' })
    input: CreateContactInput[],
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.create(input);
  }

  @Mutation(() => Contact, {
    description:
      "Changes a contact with the rules of creation; fields left out keep their value. NOT_FOUND when it is unknown or another organization's; CONFLICT (extensions.takenPhones) when another contact has the new phone.",
  })
  updateContact(
    @Arg('id', () => ID, { description: 'The contact id.' }) id: string,
    @Arg('input', () => UpdateContactInput, { description: 'The changes.' })
    input: UpdateContactInput,
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.update(id, input);
  }

  @Mutation(() => Contact, {
    description:
      'Erases a contact: it and its memberships are gone for good, and its audiences’ contactCount follows. Returns the contact as it was; a second delete is NOT_FOUND.',
  })
  deleteContact(
    @Arg('id', () => ID, { description: 'The contact id.' }) id: string,
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.delete(id);
  }
}
