import { Args, Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import { ContactAudiencesArgs } from '../audience/audience.args';
import { AudiencePage } from '../audience/audience.type';
import { Contact } from '../contact/contact.type';
import type { AudienceService } from '../audience/audience.service';

/** Membership seen from the contact's side: the audiences a contact is in. */
/** What this resolver needs of a request's context (built by the app's assembly). */
interface MembershipContext {
  audiences: AudienceService;
}

@Resolver(() => Contact)
export class ContactAudiencesResolver {
  @FieldResolver(() => AudiencePage, {
    description:
      'The live audiences the contact is a member of, one page at a time; a page of contacts asks for all of theirs in one statement.',
  })
  audiences(
    @Root() contact: Contact,
    @Args() args: ContactAudiencesArgs,
    @Ctx() { audiences }: MembershipContext,
  ) {
    return audiences.ofContact(contact, args);
  }
}
