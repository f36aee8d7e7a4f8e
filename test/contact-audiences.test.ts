import { TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { onlyError, TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const AUDIENCES = `query($id: ID!, $page: Int, $limit: Int, $sortBy: AudienceSortField, $sortOrder: SortOrder) {
  contact(id: $id) {
    audiences(page: $page, limit: $limit, sortBy: $sortBy, sortOrder: $sortOrder) {
      data { id name contactCount }
      meta { page limit total totalPages hasNextPage hasPreviousPage }
    }
  }
}`;

test('Contact.audiences and GET /api/contacts/:id/audiences list the live audiences a contact is in, paged and sorted alike', async () => {
  const org = await TestOrganization.create(server.db);
  const [contact, bystander] = await org.contacts(2);
  const names = ['Delta', 'alpha', 'Charlie', 'bravo', 'Echo'];
  const audiences = [];
  for (const name of names) audiences.push(await org.audience(name, { members: [contact!] }));
  await org.audience('Without', { members: [bystander!] });
  await org.audiences.delete(audiences[4]!.id);

  const variables = { id: contact!.id, page: 2, limit: 2, sortBy: 'name', sortOrder: 'asc' };
  const graphql = await server.graphql(AUDIENCES, variables, org.apiKey);
  expect(graphql.errors).toBeUndefined();
  const page = graphql.data!.contact.audiences;
  expect(page.meta).toEqual({
    page: 2,
    limit: 2,
    total: 4,
    totalPages: 2,
    hasNextPage: false,
    hasPreviousPage: true,
  });
  // Sorted as the audiences list sorts names (PostgreSQL's collation), ties by id.
  const list = await server.graphql(
    '{ audiences(sortBy: name, sortOrder: asc) { data { id name } } }',
    {},
    org.apiKey,
  );
  const expected = list
    .data!.audiences.data.filter((audience: { name: string }) => audience.name !== 'Without')
    .slice(2, 4);
  expect(page.data.map((audience: { id: string }) => audience.id)).toEqual(
    expected.map((audience: { id: string }) => audience.id),
  );
  expect(page.data[0].contactCount).toBe(1);

  const response = await rest(
    server.url,
    'GET',
    `/api/contacts/${contact!.id}/audiences?page=2&limit=2&sortBy=name&sortOrder=asc`,
    { apiKey: org.apiKey },
  );
  expect(response.status).toBe(200);
  expect(response.body.meta).toEqual(page.meta);
  expect(response.body.data.map((audience: { id: string }) => audience.id)).toEqual(
    page.data.map((audience: { id: string }) => audience.id),
  );

  // Defaults: newest first, 20 a page.
  const defaults = await server.graphql(AUDIENCES, { id: contact!.id }, org.apiKey);
  expect(
    defaults.data!.contact.audiences.data.map((audience: { name: string }) => audience.name),
  ).toEqual(['bravo', 'Charlie', 'alpha', 'Delta']);
  const none = await server.graphql(AUDIENCES, { id: bystander!.id }, org.apiKey);
  expect(none.data!.contact.audiences.meta.total).toBe(1);
});

test('a page of contacts gets all of their audiences in one statement', async () => {
  const org = await TestOrganization.create(server.db);
  const contacts = await org.contacts(30);
  for (let index = 0; index < 5; index += 1) {
    await org.audience(`Audience ${index}`, {
      members: contacts.filter((_, position) => position % (index + 1) === 0),
    });
  }
  const query =
    '{ contacts(limit: 30) { data { id audiences(limit: 100) { data { name } meta { total } } } } }';
  let result: Awaited<ReturnType<typeof server.graphql<any>>> | undefined;
  const { count } = await server.countStatements(async () => {
    result = await server.graphql(query, {}, org.apiKey);
  });
  expect(result!.errors).toBeUndefined();
  // The key (cached after this test file's first request or not), the contacts page's count and
  // rows, and one statement for every contact's audiences.
  expect(count).toBeLessThanOrEqual(4);
  for (const [position, contact] of result!.data!.contacts.data.entries()) {
    const index = contacts.findIndex((created) => created.id === contact.id);
    const expected = [0, 1, 2, 3, 4].filter((audience) => index % (audience + 1) === 0).length;
    expect({ position, total: contact.audiences.meta.total }).toEqual({
      position,
      total: expected,
    });
    expect(contact.audiences.data).toHaveLength(expected);
  }
});

test('unknown and foreign contacts are NOT_FOUND / 404; bad arguments BAD_USER_INPUT / 400, before a mutation writes', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const [foreign] = await other.contacts(1);
  await other.audience('Secret', { members: [foreign!] });
  const response = await rest(server.url, 'GET', `/api/contacts/${foreign!.id}/audiences`, {
    apiKey: org.apiKey,
  });
  expect(response.status).toBe(404);
  const graphql = await server.graphql(AUDIENCES, { id: foreign!.id }, org.apiKey);
  expect(graphql.data).toEqual({ contact: null });

  const [own] = await org.contacts(1);
  for (const query of ['limit=101', 'page=0', 'sortBy=contactCount', 'search=x']) {
    const bad = await rest(server.url, 'GET', `/api/contacts/${own!.id}/audiences?${query}`, {
      apiKey: org.apiKey,
    });
    expect({ query, status: bad.status }).toEqual({ query, status: 400 });
  }
  // A mutation whose answer asks for an invalid page of audiences is refused before it writes.
  const refused = await server.graphql(
    `mutation($id: ID!) { updateContact(id: $id, input: { firstName: "Changed" }) { audiences(limit: 0) { meta { total } } } }`,
    { id: own!.id },
    org.apiKey,
  );
  expect(refused.data).toBeNull();
  expect(onlyError(refused).extensions.code).toBe('BAD_USER_INPUT');
  const unchanged = await rest(server.url, 'GET', `/api/contacts/${own!.id}`, {
    apiKey: org.apiKey,
  });
  expect(unchanged.body.firstName).toBe(own!.firstName);
});
