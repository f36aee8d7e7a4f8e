import type { Knex } from '@mikro-orm/postgresql';
import { AudienceService } from '../audience/audience.service';
import { createMembershipLoaders } from '../membership/membership.loaders';
import { MembershipService } from '../membership/membership.service';
import { ConsentStatus } from '../contact/consent.type';
import { ContactService } from '../contact/contact.service';
import { createOrganization, type CreatedOrganization } from '../organization/organization.service';

const FIRST_NAMES = [
  'John',
  'Amina',
  'Youssef',
  'Sara',
  'Omar',
  'Lina',
  'David',
  'Fatima',
  'Mehdi',
  'Emma',
  'Karim',
  'Nora',
  'Lucas',
  'Salma',
  'Adam',
  'Chloé',
  'Hamza',
  'Inès',
  'Noah',
  'Zineb',
];
const LAST_NAMES = [
  'Doe',
  'Benali',
  'El Idrissi',
  'Martin',
  'Alaoui',
  'Bernard',
  'Tazi',
  'Dubois',
  'Berrada',
  'Moreau',
  'Chraibi',
  'Laurent',
  'Fassi',
  'Garcia',
  'Bennani',
];

const DEMO_CONTACTS = 300;

/** The demo organization: contacts and three audiences of different sizes, made through the services. */
export async function seedDemo(db: Knex): Promise<CreatedOrganization> {
  const organization = await createOrganization(db, 'Demo Organization', 'Demo User');
  const actor = { organizationId: organization.organizationId, userId: organization.userId };
  const contacts = await new ContactService(db, actor).create(
    Array.from({ length: DEMO_CONTACTS }, (_, index) => {
      const firstName = FIRST_NAMES[index % FIRST_NAMES.length]!;
      const lastName = LAST_NAMES[Math.floor(index / FIRST_NAMES.length) % LAST_NAMES.length]!;
      return {
        firstName,
        lastName,
        primaryPhone: `+21261${String(1_000_000 + index * 7919).slice(-7)}`,
        primaryEmail: `${firstName}.${lastName}.${index}@example.com`
          .normalize('NFD')
          .replace(/[^\x20-\x7e]/g, '')
          .replace(/\s+/g, '')
          .toLowerCase(),
        // A mix of consents, so that the audiences' subscribed counts and filters show something.
        smsConsent:
          index % 5 === 4
            ? ConsentStatus.UNSUBSCRIBED
            : index % 3 === 0
              ? ConsentStatus.NEVER_SUBSCRIBED
              : ConsentStatus.SUBSCRIBED,
        emailConsent: index % 2 === 0 ? ConsentStatus.SUBSCRIBED : ConsentStatus.NEVER_SUBSCRIBED,
      };
    }),
  );
  const audiences = new AudienceService(db, actor);
  const memberships = new MembershipService(db, actor, createMembershipLoaders(db));
  const plan = [
    { name: 'VIP Customers', description: 'High-value customers for priority campaigns', every: 2 },
    {
      name: 'Newsletter Subscribers',
      description: 'Contacts who opted in to the monthly newsletter',
      every: 1,
    },
    {
      name: 'Win-back',
      description: 'Customers with no purchase in the last six months',
      every: 7,
    },
  ];
  for (const { name, description, every } of plan) {
    const audience = await audiences.create({ name, description });
    const members = contacts.filter((_, index) => index % every === 0).map((contact) => contact.id);
    await memberships.addContacts(audience.id, { contacts: members });
  }
  return organization;
}
