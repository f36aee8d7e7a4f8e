import type { Knex } from '@mikro-orm/postgresql';
import { ContactAudiencesArgs } from './membership.args';
import { ContactIdsInput } from './membership.input';
import { lockLiveAudience } from '../audience/audience.repository';
import type { Audience } from '../audience/audience.type';
import { decodeCursor } from '../common/cursor';
import { NotFoundError, ValidationError } from '../common/errors';
import type { Page } from '../common/pagination';
import { assertUuid, validateInput } from '../common/validation';
import { ContactsArgs, ContactsConnectionArgs } from '../contact/contact.args';
import type { Contact, ContactConnection } from '../contact/contact.type';
import { writeAs } from '../organization/acting';
import { type Actor, requireActor } from '../organization/actor';
import { connectionCursorScope, type MembershipLoaders } from './membership.loaders';
import { addMembers, lockContacts, removeMembers } from './membership.repository';

/**
 * Every rule about memberships, which contacts are in which audience: adding and removing them
 * (in the one lock order, contacts then the audience), and reading an audience's members and a
 * contact's audiences a page at a time. The counts and copies that memberships keep are the
 * database's (its triggers), so no path can change memberships around them.
 */
export class MembershipService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
    private readonly loaders: MembershipLoaders,
  ) {}

  /** MEMBERSHIP_OPERATIONS.add (membership.operations.ts), where what it does is written. */
  async addContacts(id: string, input: ContactIdsInput): Promise<string[]> {
    return this.changeMembers(id, input, addMembers);
  }

  /** MEMBERSHIP_OPERATIONS.remove (membership.operations.ts). */
  async removeContacts(id: string, input: ContactIdsInput): Promise<string[]> {
    return this.changeMembers(id, input, removeMembers);
  }

  private async changeMembers(
    id: string,
    input: ContactIdsInput,
    change: typeof addMembers,
  ): Promise<string[]> {
    const actor = requireActor(this.actor);
    const audienceId = assertUuid('id', id);
    const valid = await validateInput(ContactIdsInput, input);
    const contactIds = [...new Set(valid.contacts.map((contactId) => contactId.toLowerCase()))];
    await writeAs(this.db, actor, async (trx) => {
      // Contacts first, then the audience: the lock order of every membership change.
      const notContacts = await lockContacts(trx, actor.organizationId, contactIds);
      if (!(await lockLiveAudience(trx, actor, audienceId))) {
        throw new NotFoundError('Audience', audienceId);
      }
      if (notContacts.length > 0) {
        const error = ValidationError.of(
          'contacts',
          `contacts not found in this organization: ${notContacts.join(', ')}`,
        );
        error.details.unknownContactIds = notContacts;
        throw error;
      }
      // Every id is a contact of the organization, share-locked until the change commits.
      await change(trx, actor, audienceId, contactIds);
    });
    return contactIds;
  }

  /** The live audiences a contact is a member of; `contact` is one the contact service returned. */
  async ofContact(contact: Contact, args: Partial<ContactAudiencesArgs>): Promise<Page<Audience>> {
    const valid = await validContactAudiencesArgs(args);
    return this.loaders.contactAudiences.load({ contact, args: valid });
  }

  // `audience` is one this service returned, so it is already the actor's.
  async contacts(audience: Audience, args: Partial<ContactsArgs>): Promise<Page<Contact>> {
    const valid = await validContactsArgs(args);
    return this.loaders.members.load({ audience, args: valid });
  }

  /** Members by cursor: the cost of a page does not grow with how far it is into the list. */
  async contactsConnection(
    audience: Audience,
    args: Partial<ContactsConnectionArgs>,
  ): Promise<ContactConnection> {
    const valid = await validContactsConnectionArgs(args);
    return this.loaders.connections.load({ audience, args: valid });
  }
}

/** The rules of a contact's `audiences` arguments (checked before a mutation, as `contacts`'). */
export function validContactAudiencesArgs(args: unknown): Promise<ContactAudiencesArgs> {
  return validateInput(ContactAudiencesArgs, args);
}

/**
 * The rules of an audience's `contacts` arguments. Also checked, for every audience a mutation's
 * answer selects, before the mutation runs (graphql/nested-arguments.ts).
 */
export function validContactsArgs(args: unknown): Promise<ContactsArgs> {
  return validateInput(ContactsArgs, args);
}

/** The rules of an audience's `contactsConnection` arguments, the cursor included. */
export async function validContactsConnectionArgs(args: unknown): Promise<ContactsConnectionArgs> {
  const valid = await validateInput(ContactsConnectionArgs, args);
  if (valid.after) {
    decodeCursor('after', valid.after, connectionCursorScope(valid));
  }
  return valid;
}
