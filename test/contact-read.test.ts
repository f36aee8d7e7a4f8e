import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const CONTACT = `query($id: ID!) { contact(id: $id) {
  id organizationId firstName lastName primaryPhone primaryEmail createdAt updatedAt
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
