import { nextPhone, TestOrganization } from './support/fixtures';
import { readContractExamples } from './support/contract-examples';
import { TestServer } from './support/test-server';

// Every example of the REST contract, sent as written (host, key and ids replaced) over real
// HTTP, in document order, and its response compared with the document's field by field.
const AUDIENCE_FIELDS = [
  'id',
  'organizationId',
  'name',
  'description',
  'createdAt',
  'updatedAt',
  'deletedAt',
  'createdBy',
  'updatedBy',
  'deletedBy',
];
const CONTACT_FIELDS = [
  'id',
  'organizationId',
  'firstName',
  'lastName',
  'primaryPhone',
  'primaryEmail',
  'createdAt',
  'updatedAt',
  // Beyond the contract (issue 23): each channel's consent.
  'smsConsent',
  'emailConsent',
];
// Beyond the contract (issue 23): a list row's consent counts, beside contactCount.
const AUDIENCE_COUNTS = [
  'contactCount',
  'smsSubscribedCount',
  'smsUnsubscribedCount',
  'emailSubscribedCount',
  'emailUnsubscribedCount',
];
const ISO_MILLISECONDS = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

let server: TestServer;
let org: TestOrganization;
/** The document's ids and key, and what stands for each here. */
const substitutes = new Map<string, string>();

beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db, 'Contract');
  // The data the examples show: "VIP Customers" with 150 contacts, all matching "john", the newest
  // of them John Doe, +1234567890, john@example.com.
  const johns = await org.contacts(149, () => ({
    firstName: 'John',
    lastName: 'Doe',
    primaryPhone: nextPhone(),
  }));
  await new Promise((resolve) => setTimeout(resolve, 5));
  const [newest] = await org.contacts(1, () => ({
    firstName: 'John',
    lastName: 'Doe',
    primaryPhone: '+1234567890',
    primaryEmail: 'john@example.com',
  }));
  const vip = await org.audience('VIP Customers', {
    description: 'High-value customers for priority campaigns',
    members: [...johns, newest!],
  });
  substitutes.set('YOUR_API_KEY', org.apiKey);
  substitutes.set('550e8400-e29b-41d4-a716-446655440000', vip.id);
  substitutes.set('660e8400-e29b-41d4-a716-446655440001', org.organizationId);
  substitutes.set('123e4567-e89b-12d3-a456-426614174000', newest!.id);
  substitutes.set('123e4567-e89b-12d3-a456-426614174001', johns[0]!.id);
});
afterAll(() => server.close());

function substitute(text: string): string {
  let result = text;
  for (const [documented, actual] of substitutes) result = result.split(documented).join(actual);
  return result;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Compares a response with the document's example: ids mapped to ours (or, for an id the request
 * creates, any new UUID), timestamps by their form, everything else as is. Lists in the document
 * show their first items only, so only those are compared; the meta says how many there are.
 */
function expectLikeExample(
  actual: unknown,
  example: unknown,
  where: string,
  createdId?: string,
): void {
  if (Array.isArray(example)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBeGreaterThanOrEqual(example.length);
    example.forEach((item, index) =>
      expectLikeExample((actual as unknown[])[index], item, `${where}[${index}]`, createdId),
    );
  } else if (example !== null && typeof example === 'object') {
    for (const [key, value] of Object.entries(example)) {
      expect(actual).toHaveProperty([key]);
      expectLikeExample(
        (actual as Record<string, unknown>)[key],
        value,
        `${where}.${key}`,
        createdId,
      );
    }
  } else if (typeof example === 'string' && ISO_MILLISECONDS.test(example)) {
    expect([where, actual]).toEqual([where, expect.stringMatching(ISO_MILLISECONDS)]);
  } else if (createdId !== undefined && example === createdId) {
    expect([where, actual]).toEqual([where, expect.stringMatching(UUID)]);
    expect(actual).not.toBe(substitute(createdId));
  } else {
    const expected = typeof example === 'string' ? substitute(example) : example;
    expect([where, actual]).toEqual([where, expected]);
  }
}

function expectAudienceResponse(body: Record<string, unknown>) {
  expect(Object.keys(body).sort()).toEqual([...AUDIENCE_FIELDS].sort());
}

const examples = readContractExamples();

test('the contract document has its seven examples', () => {
  expect(examples.map((example) => `${example.method} ${example.url.pathname}`)).toEqual([
    'GET /api/audience',
    'GET /api/audience/550e8400-e29b-41d4-a716-446655440000',
    'GET /api/audience/550e8400-e29b-41d4-a716-446655440000/contacts',
    'POST /api/audience',
    'POST /api/audience/550e8400-e29b-41d4-a716-446655440000/add-contacts',
    'PUT /api/audience/550e8400-e29b-41d4-a716-446655440000',
    'DELETE /api/audience/550e8400-e29b-41d4-a716-446655440000',
  ]);
});

describe.each(
  examples.map(
    (example, index) =>
      [`${index + 1}. ${example.method} ${example.url.pathname}`, example] as const,
  ),
)('contract example %s', (_title, example) => {
  test('answers as the document shows', async () => {
    const url = `${server.url}${substitute(example.url.pathname)}${example.url.search}`;
    const headers = Object.fromEntries(
      Object.entries(example.headers).map(([name, value]) => [name, substitute(value)]),
    );
    const response = await fetch(url, {
      method: example.method,
      headers,
      body: example.rawBody === undefined ? undefined : substitute(example.rawBody),
    });
    expect(response.status).toBe(
      example.method === 'POST' && example.url.pathname === '/api/audience' ? 201 : 200,
    );
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as Record<string, any>;
    const creates = example.method === 'POST' && example.url.pathname === '/api/audience';
    // The create example shows the id of the audience it makes: here that is a new one.
    const createdId = creates ? '550e8400-e29b-41d4-a716-446655440000' : undefined;
    expectLikeExample(body, example.response, 'response', createdId);

    // Beyond the example: every field of the contract's type is there, with its contract type.
    if (example.url.pathname === '/api/audience' && example.method === 'GET') {
      for (const audience of body.data) {
        expect(Object.keys(audience).sort()).toEqual(
          [...AUDIENCE_FIELDS, ...AUDIENCE_COUNTS].sort(),
        );
        for (const count of AUDIENCE_COUNTS) expect(typeof audience[count]).toBe('number');
      }
    } else if (example.url.pathname.endsWith('/contacts')) {
      expect(body.meta).toEqual({
        page: 1,
        limit: 20,
        total: 150,
        totalPages: 8,
        hasNextPage: true,
        hasPreviousPage: false,
      });
      for (const contact of body.data)
        expect(Object.keys(contact).sort()).toEqual([...CONTACT_FIELDS].sort());
    } else if (!example.url.pathname.endsWith('/add-contacts')) {
      expectAudienceResponse(body);
      expect(body.createdBy).toBe(org.userId);
    }
    if (example.method === 'PUT')
      expect(Date.parse(body.updatedAt)).toBeGreaterThan(Date.parse(body.createdAt));
    if (example.method === 'DELETE') {
      expect(body.deletedAt).toMatch(ISO_MILLISECONDS);
      expect(body.deletedBy).toBe(org.userId);
    } else if (!Array.isArray(body) && 'deletedAt' in body) {
      expect(body.deletedAt).toBeNull();
    }
  });
});
