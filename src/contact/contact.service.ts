import type { Knex } from '@mikro-orm/postgresql';
import { ConflictError, NotFoundError, ValidationError } from '../common/errors';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { searchTerm } from '../common/search';
import { assertUuid, validateInput, validateInputs } from '../common/validation';
import { writeAs } from '../organization/acting';
import { type Actor, requireActor } from '../organization/actor';
import { ContactsArgs } from './contact.args';
import { CreateContactInput, MAX_CONTACTS_PER_CREATE, UpdateContactInput } from './contact.input';
import {
  countContacts,
  deleteContact,
  findContact,
  findContacts,
  findContactsByIds,
  insertContacts,
  isPhoneTaken,
  takenPhones,
  updateContact,
} from './contact.repository';
import type { Contact } from './contact.type';
import { consentFilterOf } from './consent.args';
import { emailConsentNeedsEmail, isEmailConsentWithoutEmail } from './consent.columns';
import { ConsentStatus } from './consent.type';

/** Every rule about an organization's contacts; the GraphQL, REST and CLI doors all call this. */
export class ContactService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  async list(args: Partial<ContactsArgs>): Promise<Page<Contact>> {
    const { organizationId } = requireActor(this.actor);
    const valid = await validateInput(ContactsArgs, args);
    const search = searchTerm(valid.search);
    const consent = consentFilterOf(valid);
    const query = {
      search,
      consent,
      sortBy: valid.sortBy,
      sortOrder: valid.sortOrder,
      window: pageWindow(valid),
    };
    const counts = await countContacts(this.db, organizationId, search, consent);
    const data = await findContacts(this.db, organizationId, query, counts);
    return toPage(data, counts.matches, valid);
  }

  /** One contact of the organization: NOT_FOUND when it is unknown or another organization's. */
  async get(id: string): Promise<Contact> {
    const { organizationId } = requireActor(this.actor);
    const contactId = assertUuid('id', id);
    const contact = await findContact(this.db, organizationId, contactId);
    if (!contact) throw new NotFoundError('Contact', contactId);
    return contact;
  }

  /** The organization's contacts among these ids (UUIDs), by id: one statement. */
  async getMany(ids: readonly string[]): Promise<Map<string, Contact>> {
    const { organizationId } = requireActor(this.actor);
    const contacts = await findContactsByIds(this.db, organizationId, ids);
    return new Map(contacts.map((contact) => [contact.id, contact]));
  }

  /**
   * Creates up to MAX_CONTACTS_PER_CREATE contacts in one statement: all of them or none. A phone
   * the organization already has is a CONFLICT listing every such phone of the batch; a phone
   * given twice in the batch is bad input naming both places.
   */
  async create(inputs: readonly CreateContactInput[], field = 'input'): Promise<Contact[]> {
    requireActor(this.actor);
    if (!Array.isArray(inputs))
      throw ValidationError.of(field, `${field} must be a list of contacts`);
    if (inputs.length === 0 || inputs.length > MAX_CONTACTS_PER_CREATE) {
      throw ValidationError.of(
        field,
        `${field} must hold 1 to ${MAX_CONTACTS_PER_CREATE} contacts, got ${inputs.length}`,
      );
    }
    const valid = await validateInputs(CreateContactInput, inputs, field);
    assertDistinctPhones(valid, field);
    assertEmailConsents(valid, (index) => `${field}[${index}].emailConsent`);
    return this.insert(valid);
  }

  /** Creates one contact (REST's POST /api/contacts), with the rules of `create`. */
  async createOne(input: CreateContactInput): Promise<Contact> {
    const valid = await validateInput(CreateContactInput, input);
    assertEmailConsents([valid], () => 'emailConsent');
    const [contact] = await this.insert([valid]);
    return contact!;
  }

  private insert(valid: CreateContactInput[]): Promise<Contact[]> {
    const { organizationId } = requireActor(this.actor);
    return this.withPhoneRule(
      valid.map((input) => input.primaryPhone),
      (db) => insertContacts(db, organizationId, valid),
    );
  }

  /** Changes a contact with the rules of creation; fields left out (or null names) are kept. */
  async update(id: string, input: UpdateContactInput): Promise<Contact> {
    const { organizationId } = requireActor(this.actor);
    const contactId = assertUuid('id', id);
    const valid = await validateInput(UpdateContactInput, input);
    // Null keeps a name or the phone, as leaving it out does; a null e-mail removes it.
    const changes = {
      firstName: valid.firstName ?? undefined,
      lastName: valid.lastName ?? undefined,
      primaryPhone: valid.primaryPhone ?? undefined,
      primaryEmail: valid.primaryEmail,
      smsConsent: valid.smsConsent ?? undefined,
      emailConsent: valid.emailConsent ?? undefined,
    };
    if (
      changes.primaryEmail === null &&
      changes.emailConsent !== undefined &&
      changes.emailConsent !== ConsentStatus.NEVER_SUBSCRIBED
    ) {
      throw ValidationError.of(
        'emailConsent',
        'emailConsent must be NEVER_SUBSCRIBED or left out when primaryEmail is removed',
      );
    }
    const phones = changes.primaryPhone === undefined ? [] : [changes.primaryPhone];
    const contact = await this.withPhoneRule(phones, (db) =>
      updateContact(db, organizationId, contactId, changes),
    );
    if (!contact) throw new NotFoundError('Contact', contactId);
    return contact;
  }

  /**
   * Erasure: the contact and its memberships are gone for good, and the member counts of its
   * audiences follow in the same transaction. A second delete is NOT_FOUND.
   */
  async delete(id: string): Promise<Contact> {
    const actor = requireActor(this.actor);
    const contactId = assertUuid('id', id);
    const contact = await writeAs(this.db, actor, (trx) =>
      deleteContact(trx, actor.organizationId, contactId),
    );
    if (!contact) throw new NotFoundError('Contact', contactId);
    return contact;
  }

  /**
   * Runs a write that may give a contact one of `phones`, in a transaction of its own (a
   * savepoint inside the caller's), and turns the database's phone rule into a CONFLICT that
   * lists every one of them another contact of the organization has, and its e-mail consent rule
   * into bad input. The write names its actor first (organization/acting.ts).
   */
  private async withPhoneRule<T>(
    phones: readonly string[],
    write: (db: Knex) => Promise<T>,
  ): Promise<T> {
    const actor = requireActor(this.actor);
    const { organizationId } = actor;
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await writeAs(this.db, actor, write);
      } catch (error) {
        if (isEmailConsentWithoutEmail(error)) {
          throw ValidationError.of('emailConsent', emailConsentNeedsEmail('emailConsent'));
        }
        if (!isPhoneTaken(error)) throw error;
        const taken = await takenPhones(this.db, organizationId, phones);
        // The clashing contact was another transaction's, which then rolled back: try again.
        if (taken.length === 0 && attempt === 1) continue;
        throw phonesTaken(taken);
      }
    }
  }
}

function phonesTaken(taken: readonly string[]): ConflictError {
  const message =
    taken.length === 1
      ? `primaryPhone ${taken[0]} is already another contact's in this organization`
      : `primaryPhone: these phones are already other contacts' in this organization: ${taken.join(', ')}`;
  return new ConflictError(message, { takenPhones: taken });
}

/**
 * What is said of a phone given twice in one write: both places, in the words of each door (a
 * batch: "input[2].primaryPhone … is also input[0]'s"; an import: "… is also on line 5").
 */
export function repeatedPhone(at: string, phone: string, earlier: string): string {
  return `${at} ${phone} is also ${earlier}`;
}

/** Two contacts of one batch with the same phone: bad input, naming both places. */
function assertDistinctPhones(inputs: readonly CreateContactInput[], field: string): void {
  const first = new Map<string, number>();
  const problems = inputs.flatMap(({ primaryPhone }, index) => {
    const earlier = first.get(primaryPhone);
    if (earlier === undefined) {
      first.set(primaryPhone, index);
      return [];
    }
    const at = `${field}[${index}].primaryPhone`;
    return [{ field: at, messages: [repeatedPhone(at, primaryPhone, `${field}[${earlier}]'s`)] }];
  });
  if (problems.length > 0) throw new ValidationError(problems);
}

/** E-mail consent SUBSCRIBED on a new contact without an e-mail address: bad input, per place. */
function assertEmailConsents(
  inputs: readonly CreateContactInput[],
  fieldOf: (index: number) => string,
): void {
  const problems = inputs.flatMap((input, index) =>
    input.emailConsent === ConsentStatus.SUBSCRIBED && !input.primaryEmail
      ? [{ field: fieldOf(index), messages: [emailConsentNeedsEmail(fieldOf(index))] }]
      : [],
  );
  if (problems.length > 0) throw new ValidationError(problems);
}
