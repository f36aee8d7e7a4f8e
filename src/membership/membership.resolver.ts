import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { ContactAudiencesArgs } from './membership.args';
import { MAX_CONTACTS_PER_ADD } from './membership.input';
import { Audience, AudiencePage } from '../audience/audience.type';
import { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import { Contact, ContactConnection, ContactPage } from '../contact/contact.type';
import type { MembershipService } from './membership.service';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface MembershipContext {
  memberships: MembershipService;
}

/** Membership seen from the contact's side: the audiences a contact is in. */
@Resolver(() => Contact)
export class ContactAudiencesResolver {
  @FieldResolver(() => AudiencePage, {
    description:
      'The live audiences the contact is a member of, one page at a time; a page of contacts asks for all of theirs in one statement.',
  })
  audiences(
    @Root() contact: Contact,
    @Args() args: ContactAudiencesArgs,
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.ofContact(contact, args);
  }
}

/** Membership seen from the audience's side: its members, and adding and removing them. */
@Resolver(() => Audience)
export class AudienceMembersResolver {
  @Mutation(() => [ID], {
    description:
      `Adds up to ${MAX_CONTACTS_PER_ADD} contacts to a live audience and returns their ids, de-duplicated, in request order. ` +
      'Existing members are no error. If any id is not a contact of your organization, nothing is added ' +
      'and the error lists those ids.',
  })
  addContactsToAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('contacts', () => [ID], { description: 'Contact ids (UUIDs).' }) contacts: string[],
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.addContacts(id, { contacts });
  }

  @Mutation(() => [ID], {
    description:
      `Takes up to ${MAX_CONTACTS_PER_ADD} contacts out of a live audience and returns their ids, de-duplicated, in request order. ` +
      'Contacts that are not members are no error; the contacts themselves stay. If any id is not a contact of your ' +
      'organization, nothing is removed and the error lists those ids (extensions.unknownContactIds).',
  })
  removeContactsFromAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('contacts', () => [ID], { description: 'Contact ids (UUIDs).' }) contacts: string[],
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.removeContacts(id, { contacts });
  }

  @FieldResolver(() => ContactPage, {
    description: 'The contacts of the audience, one page at a time.',
  })
  contacts(
    @Root() audience: Audience,
    @Args() args: ContactsArgs,
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.contacts(audience, args);
  }

  @FieldResolver(() => ContactConnection, {
    description:
      'The contacts of the audience by cursor: pass pageInfo.endCursor as `after` (with the same `search`) for the next page. ' +
      'Every page costs the same, however deep, where `contacts(page)` skips the entries before its page.',
  })
  contactsConnection(
    @Root() audience: Audience,
    @Args() args: ContactsConnectionArgs,
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.contactsConnection(audience, args);
  }
}
