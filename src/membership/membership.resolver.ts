import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from 'type-graphql';
import { ContactAudiencesArgs } from './membership.args';
import { Audience, AudiencePage } from '../audience/audience.type';
import { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import { Contact, ContactConnection, ContactPage } from '../contact/contact.type';
import { MEMBERSHIP_OPERATIONS } from './membership.operations';
import type { MembershipService } from './membership.service';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface MembershipContext {
  memberships: MembershipService;
}

/** Membership seen from the contact's side: the audiences a contact is in. */
@Resolver(() => Contact)
export class ContactAudiencesResolver {
  @FieldResolver(() => AudiencePage, { description: MEMBERSHIP_OPERATIONS.contactAudiences })
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
  @Mutation(() => [ID], { description: MEMBERSHIP_OPERATIONS.add })
  addContactsToAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('contacts', () => [ID], { description: 'Contact ids (UUIDs).' }) contacts: string[],
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.addContacts(id, { contacts });
  }

  @Mutation(() => [ID], { description: MEMBERSHIP_OPERATIONS.remove })
  removeContactsFromAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('contacts', () => [ID], { description: 'Contact ids (UUIDs).' }) contacts: string[],
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.removeContacts(id, { contacts });
  }

  @FieldResolver(() => ContactPage, { description: MEMBERSHIP_OPERATIONS.members })
  contacts(
    @Root() audience: Audience,
    @Args() args: ContactsArgs,
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.contacts(audience, args);
  }

  @FieldResolver(() => ContactConnection, { description: MEMBERSHIP_OPERATIONS.membersByCursor })
  contactsConnection(
    @Root() audience: Audience,
    @Args() args: ContactsConnectionArgs,
    @Ctx() { memberships }: MembershipContext,
  ) {
    return memberships.contactsConnection(audience, args);
  }
}
