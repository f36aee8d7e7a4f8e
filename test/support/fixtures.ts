import type { Knex } from '@mikro-orm/postgresql';
import { AudienceService } from '../../src/audience/audience.service';
import type { Audience } from '../../src/audience/audience.type';
import type { CreateContactInput } from '../../src/contact/contact.input';
import { ConsentService } from '../../src/consent/consent.service';
import { ContactService } from '../../src/contact/contact.service';
import type { Contact } from '../../src/contact/contact.type';
import { createMembershipLoaders } from '../../src/membership/membership.loaders';
import { MembershipService } from '../../src/membership/membership.service';
import type { Actor } from '../../src/organization/actor';
import { issueApiKey } from '../../src/organization/api-key.service';
import { createOrganization } from '../../src/organization/organization.service';

let phoneSequence = Math.floor(Math.random() * 1_000_000_000);

/** A distinct valid phone number for each call in the run. */
export function nextPhone(): string {
  phoneSequence += 1;
  return `+1${String(phoneSequence).padStart(10, '0')}`;
}

/**
 * An organization made through the service layer, with helpers to fill it:
 * `const org = await TestOrganization.create(db); await org.audience('VIP', { members: 3 })`.
 */
export class TestOrganization {
  private constructor(
    private readonly db: Knex,
    readonly organizationId: string,
    readonly userId: string,
    readonly apiKey: string,
    readonly apiKeyId: string,
  ) {}

  static async create(db: Knex, name = 'Test Organization'): Promise<TestOrganization> {
    const created = await createOrganization(db, name);
    return new TestOrganization(
      db,
      created.organizationId,
      created.userId,
      created.apiKey,
      created.apiKeyId,
    );
  }

  /** Another user of the organization, with a key of their own. */
  async member(name: string): Promise<{ userId: string; apiKey: string }> {
    const [user] = await this.db('app_user')
      .insert({ organization_id: this.organizationId, name })
      .returning('id');
    const userId = (user as { id: string }).id;
    const { apiKey } = await issueApiKey(this.db, this.organizationId, userId);
    return { userId, apiKey };
  }

  get actor(): Actor {
    return { organizationId: this.organizationId, userId: this.userId, apiKeyId: this.apiKeyId };
  }

  /** The contact service, as the organization's key (`contacts` creates contacts). */
  get contactService(): ContactService {
    return new ContactService(this.db, this.actor);
  }

  get consent(): ConsentService {
    return new ConsentService(this.db, this.actor);
  }

  get audiences(): AudienceService {
    return new AudienceService(this.db, this.actor);
  }

  get memberships(): MembershipService {
    return new MembershipService(this.db, this.actor, createMembershipLoaders(this.db));
  }

  async contacts(
    count: number,
    shape: (index: number) => Partial<CreateContactInput> = () => ({}),
  ): Promise<Contact[]> {
    const inputs = Array.from({ length: count }, (_, index) => ({
      firstName: `First${index}`,
      lastName: `Last${index}`,
      primaryPhone: nextPhone(),
      ...shape(index),
    }));
    const created: Contact[] = [];
    for (let start = 0; start < inputs.length; start += 1000) {
      created.push(
        ...(await new ContactService(this.db, this.actor).create(
          inputs.slice(start, start + 1000),
        )),
      );
    }
    return created;
  }

  async audience(
    name: string,
    options: { description?: string; members?: number | Contact[] } = {},
  ): Promise<Audience> {
    const audience = await this.audiences.create({ name, description: options.description });
    const members =
      typeof options.members === 'number'
        ? await this.contacts(options.members)
        : (options.members ?? []);
    if (members.length > 0) {
      await this.memberships.addContacts(audience.id, {
        contacts: members.map((contact) => contact.id),
      });
    }
    return audience;
  }
}
