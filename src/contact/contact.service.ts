import type { Knex } from '@mikro-orm/postgresql';
import { NotFoundError, ValidationError } from '../common/errors';
import { type Page, pageWindow, toPage } from '../common/pagination';
import { searchTerm } from '../common/search';
import { assertUuid, validateInput, validateInputs } from '../common/validation';
import { type Actor, requireActor } from '../organization/actor';
import { ContactsArgs } from './contact.args';
import { CreateContactInput, MAX_CONTACTS_PER_CREATE } from './contact.input';
import { countContacts, findContact, findContacts, insertContacts } from './contact.repository';
import type { Contact } from './contact.type';

/** Every rule about an organization's contacts; the GraphQL, REST and CLI doors all call this. */
export class ContactService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  async list(args: unknown): Promise<Page<Contact>> {
    const { organizationId } = requireActor(this.actor);
    const valid = await validateInput(ContactsArgs, args);
    const search = searchTerm(valid.search);
    const query = {
      search,
      sortBy: valid.sortBy,
      sortOrder: valid.sortOrder,
      window: pageWindow(valid),
    };
    const counts = await countContacts(this.db, organizationId, search);
    const data = await findContacts(this.db, organizationId, query, counts);
    return toPage(data, counts.matches, valid);
  }

  /** One contact of the organization: NOT_FOUND when it is unknown or another organization's. */
  async get(id: unknown): Promise<Contact> {
    const { organizationId } = requireActor(this.actor);
    const contactId = assertUuid('id', id);
    const contact = await findContact(this.db, organizationId, contactId);
    if (!contact) throw new NotFoundError('Contact', contactId);
    return contact;
  }

  /** Creates up to MAX_CONTACTS_PER_CREATE contacts in one statement: all of them or none. */
  async create(inputs: unknown, field = 'input'): Promise<Contact[]> {
    const { organizationId } = requireActor(this.actor);
    if (!Array.isArray(inputs))
      throw ValidationError.of(field, `${field} must be a list of contacts`);
    if (inputs.length === 0 || inputs.length > MAX_CONTACTS_PER_CREATE) {
      throw ValidationError.of(
        field,
        `${field} must hold 1 to ${MAX_CONTACTS_PER_CREATE} contacts, got ${inputs.length}`,
      );
    }
    const valid = await validateInputs(CreateContactInput, inputs, field);
    return insertContacts(this.db, organizationId, valid);
  }
}
