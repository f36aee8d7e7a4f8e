import { nextPhone, TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const CREATE = `mutation Create($input: [CreateContactInput!]!) {
  createContacts(input: $input) { id organizationId firstName lastName primaryPhone primaryEmail createdAt updatedAt }
}`;
const LIST = `query List($page: Int, $limit: Int, $search: String, $sortBy: ContactSortField, $sortOrder: SortOrder) {
  contacts(page: $page, limit: $limit, search: $search, sortBy: $sortBy, sortOrder: $sortOrder) {
    data { id firstName lastName primaryPhone }
    meta { page limit total totalPages hasNextPage hasPreviousPage }
  }
}`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const contact = (overrides: Record<string, unknown> = {}) => ({
  firstName: 'John',
  lastName: 'Doe',
  primaryPhone: nextPhone(),
  primaryEmail: 'john@example.com',
  ...overrides,
});

async function contactCount(organizationId: string): Promise<number> {
  return server.countRows('contact', { organization_id: organizationId });
}

describe('createContacts', () => {
  test('creates contacts in input order and returns every field', async () => {
    const org = await TestOrganization.create(server.db);
    const input = [
      contact({ firstName: 'Ann' }),
      contact({ firstName: 'Bob', primaryEmail: undefined }),
    ];
    const result = await server.graphql(CREATE, { input }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createContacts).toEqual([
      expect.objectContaining({
        ...input[0],
        organizationId: org.organizationId,
        createdAt: expect.stringMatching(/Z$/),
      }),
      expect.objectContaining({ firstName: 'Bob', primaryEmail: null }),
    ]);
  });

  test('creates 1,000 contacts in one call', async () => {
    const org = await TestOrganization.create(server.db);
    const result = await server.graphql(
      CREATE,
      { input: Array.from({ length: 1000 }, () => contact()) },
      org.apiKey,
    );
    expect(result.data!.createContacts).toHaveLength(1000);
    expect(await contactCount(org.organizationId)).toBe(1000);
  });

  test.each([
    ['no contacts', () => [], 'input', 'input must hold 1 to 1000 contacts, got 0'],
    [
      '1,001 contacts',
      () => Array.from({ length: 1001 }, () => contact()),
      'input',
      'input must hold 1 to 1000 contacts, got 1001',
    ],
    [
      'a phone not in E.164 form',
      () => [contact(), contact({ primaryPhone: '0612345678' })],
      'input[1].primaryPhone',
      'input[1].primaryPhone must be a phone number in E.164 form, like +1234567890',
    ],
    [
      'a bad e-mail',
      () => [contact({ primaryEmail: 'not-an-email' })],
      'input[0].primaryEmail',
      'input[0].primaryEmail must be an email',
    ],
    [
      'an empty first name',
      () => [contact({ firstName: '' })],
      'input[0].firstName',
      'input[0].firstName must be longer than or equal to 1 characters',
    ],
    [
      'a 101-character last name',
      () => [contact({ lastName: 'l'.repeat(101) })],
      'input[0].lastName',
      'input[0].lastName must be shorter than or equal to 100 characters',
    ],
  ])('refuses %s, naming the field, and creates none', async (_label, input, field, message) => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(await server.graphql(CREATE, { input: input() }, org.apiKey));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.extensions.fields).toContainEqual({
      field,
      messages: expect.arrayContaining([message]),
    });
    expect(await contactCount(org.organizationId)).toBe(0);
  });
});

describe('contacts', () => {
  test('lists, searches and sorts the organization’s contacts', async () => {
    const org = await TestOrganization.create(server.db);
    await org.contacts(30, (index) => ({ firstName: index < 3 ? 'Zineb' : `Person${index}` }));
    const first = await server.graphql(
      LIST,
      { sortBy: 'firstName', sortOrder: 'desc', limit: 5 },
      org.apiKey,
    );
    expect(first.data!.contacts.meta).toEqual({
      page: 1,
      limit: 5,
      total: 30,
      totalPages: 6,
      hasNextPage: true,
      hasPreviousPage: false,
    });
    expect(
      first.data!.contacts.data.slice(0, 3).map((c: { firstName: string }) => c.firstName),
    ).toEqual(['Zineb', 'Zineb', 'Zineb']);
    const found = await server.graphql(LIST, { search: 'zin' }, org.apiKey);
    expect(found.data!.contacts.meta.total).toBe(3);
    const past = await server.graphql(LIST, { page: 7, limit: 5 }, org.apiKey);
    expect(past.data!.contacts).toEqual({
      data: [],
      meta: {
        page: 7,
        limit: 5,
        total: 30,
        totalPages: 6,
        hasNextPage: false,
        hasPreviousPage: true,
      },
    });
  });

  test('bounds its arguments', async () => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(await server.graphql(LIST, { page: 0 }, org.apiKey));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'page' }] });
  });
});
