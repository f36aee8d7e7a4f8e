import { Arg, Args, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from 'type-graphql';
import { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import { ContactConnection, ContactPage } from '../contact/contact.type';
import type { AudienceService } from './audience.service';
import { AudiencesArgs } from './audience.args';
import { CreateAudienceInput, MAX_CONTACTS_PER_ADD, UpdateAudienceInput } from './audience.input';
import { Audience, AudiencePage } from './audience.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface AudienceContext {
  audiences: AudienceService;
}

@Resolver(() => Audience)
export class AudienceResolver {
  @Query(() => AudiencePage, {
    description: 'The live audiences of your organization, one page at a time.',
  })
  audiences(@Args() args: AudiencesArgs, @Ctx() { audiences }: AudienceContext) {
    return audiences.list(args);
  }

  @Query(() => Audience, {
    nullable: true,
    description: 'One live audience; null with a NOT_FOUND error when it is unknown or deleted.',
  })
  audience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.get(id);
  }

  @Mutation(() => Audience, { description: 'Creates an audience.' })
  createAudience(
    @Arg('input', () => CreateAudienceInput, { description: 'The new audience.' })
    input: CreateAudienceInput,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.create(input);
  }

  @Mutation(() => Audience, {
    description:
      'Changes the name and/or description of a live audience; an empty input changes nothing, updatedAt included.',
  })
  updateAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('input', () => UpdateAudienceInput, { description: 'The changes.' })
    input: UpdateAudienceInput,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.update(id, input);
  }

  @Mutation(() => Audience, {
    description:
      'Soft-deletes a live audience and returns it with deletedAt and deletedBy set; deleting it again is NOT_FOUND.',
  })
  deleteAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.delete(id);
  }

  @Mutation(() => [ID], {
    description:
      `Adds up to ${MAX_CONTACTS_PER_ADD} contacts to a live audience and returns their ids, de-duplicated, in request order. ` +
      'Existing members are no error. If any id is not a contact of your organization, nothing is added ' +
      'and the error lists those ids.',
  })
  addContactsToAudience(
    @Arg('id', () => ID, { description: 'The audience id.' }) id: string,
    @Arg('contacts', () => [ID], { description: 'Contact ids (UUIDs).' }) contacts: string[],
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.addContacts(id, { contacts });
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
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.removeContacts(id, { contacts });
  }

  @FieldResolver(() => ContactPage, {
    description: 'The contacts of the audience, one page at a time.',
  })
  contacts(
    @Root() audience: Audience,
    @Args() args: ContactsArgs,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.contacts(audience, args);
  }

  @FieldResolver(() => ContactConnection, {
    description:
      'The contacts of the audience by cursor: pass pageInfo.endCursor as `after` (with the same `search`) for the next page. ' +
      'Every page costs the same, however deep, where `contacts(page)` skips the entries before its page.',
  })
  contactsConnection(
    @Root() audience: Audience,
    @Args() args: ContactsConnectionArgs,
    @Ctx() { audiences }: AudienceContext,
  ) {
    return audiences.contactsConnection(audience, args);
  }
}
