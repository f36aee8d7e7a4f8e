import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { ContactService } from './contact.service';
import { ContactsArgs } from './contact.args';
import { CONTACT_OPERATIONS } from './contact.operations';
import { CreateContactInput, UpdateContactInput } from './contact.input';
import { Contact, ContactPage } from './contact.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface ContactContext {
  contacts: ContactService;
}

@Resolver(() => Contact)
export class ContactResolver {
  @Query(() => ContactPage, {
    description: CONTACT_OPERATIONS.list,
  })
  contacts(@Args() args: ContactsArgs, @Ctx() { contacts }: ContactContext) {
    return contacts.list(args);
  }

  @Query(() => Contact, {
    nullable: true,
    description: CONTACT_OPERATIONS.get,
  })
  contact(
    @Arg('id', () => ID, { description: 'The contact id.' }) id: string,
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.get(id);
  }

  @Mutation(() => [Contact], {
    description: CONTACT_OPERATIONS.create,
  })
  createContacts(
    @Arg('input', () => [CreateContactInput], { description: 'The new contacts.' })
    input: CreateContactInput[],
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.create(input);
  }

  @Mutation(() => Contact, {
    description: CONTACT_OPERATIONS.update,
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
    description: CONTACT_OPERATIONS.delete,
  })
  deleteContact(
    @Arg('id', () => ID, { description: 'The contact id.' }) id: string,
    @Ctx() { contacts }: ContactContext,
  ) {
    return contacts.delete(id);
  }
}
