import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const CONTACT = `query($id: ID!) { contact(id: $id) {
  id organizationId firstName lastName primaryPhone primaryEmail createdAt updatedAt smsConsent { status updatedAt source keyword } emailConsent { status updatedAt source keyword }
} }`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

function get(path: string, apiKey: string) {
  return fetch(`${server.url}${path}`, { headers: { 'x-api-key': apiKey } });
}

test('contact(id) and GET /api/contacts/:id answer alike, field for field', async () => {
  const org = await TestOrganization.create(server.db);
  const [contact] = await org.contacts(1);
  const graphql = await server.graphql(CONTACT, { id: contact!.id }, org.apiKey);
  expect(graphql.errors).toBeUndefined();
  const response = await get(`/api/contacts/${contact!.id}`, org.apiKey);
  expect(response.status).toBe(200);
  const rest = await response.json();
  expect(rest).toEqual(graphql.data!.contact);
  expect(rest).toMatchObject({
    id: contact!.id,
    organizationId: org.organizationId,
    firstName: contact!.firstName,
    primaryPhone: contact!.primaryPhone,
    createdAt: contact!.createdAt.toISOString(),
  });
});

test('an unknown contact, or another organization’s, is NOT_FOUND / 404; a malformed id is BAD_USER_INPUT / 400', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const [foreign] = await other.contacts(1);
  for (const id of [foreign!.id, '00000000-0000-4000-8000-000000000001']) {
    const result = await server.graphql(CONTACT, { id }, org.apiKey);
    expect(result.data).toEqual({ contact: null });
    expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
    const response = await get(`/api/contacts/${id}`, org.apiKey);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({
      statusCode: 404,
      error: 'Not Found',
      message: `Contact ${id} not found`,
    });
  }
  const malformed = await server.graphql(CONTACT, { id: 'not-a-uuid' }, org.apiKey);
  expect(onlyError(malformed).extensions.code).toBe('BAD_USER_INPUT');
  const response = await get('/api/contacts/not-a-uuid', org.apiKey);
  expect(response.status).toBe(400);
  expect(((await response.json()) as { message: string }).message).toMatch(/id must be a UUID/);
  expect((await fetch(`${server.url}/api/contacts/${foreign!.id}`)).status).toBe(401);
});

test('GET /api/contacts pages, searches and sorts as the GraphQL contacts list, with the strict query rules', async () => {
  const org = await TestOrganization.create(server.db);
  await org.contacts(25);
  const query = '?page=2&limit=10&sortBy=firstName&sortOrder=asc';
  const response = await get(`/api/contacts${query}`, org.apiKey);
  expect(response.status).toBe(200);
  const rest = (await response.json()) as { data: { id: string }[]; meta: object };
  const graphql = await server.graphql(
    '{ contacts(page: 2, limit: 10, sortBy: firstName, sortOrder: asc) { data { id } meta { page limit total totalPages hasNextPage hasPreviousPage } } }',
    {},
    org.apiKey,
  );
  expect(rest.data.map((contact) => contact.id)).toEqual(
    graphql.data!.contacts.data.map((contact: { id: string }) => contact.id),
  );
  expect(rest.meta).toEqual(graphql.data!.contacts.meta);
  expect(rest.meta).toMatchObject({ page: 2, limit: 10, total: 25, totalPages: 3 });
  for (const bad of [
    'limit=101',
    'page=0',
    'sortBy=password',
    'sortby=firstName',
    'limit=1&limit=2',
  ]) {
    expect([bad, (await get(`/api/contacts?${bad}`, org.apiKey)).status]).toEqual([bad, 400]);
  }
});
