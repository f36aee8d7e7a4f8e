import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// contactCount may never cost a statement per audience: the statements of one page request
// (the page and its total with each audience's kept member count, in one; the key's lookup only
// the first time the process sees the key) do not grow with the page.
let server: TestServer;
let org: TestOrganization;
beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
  const contacts = await org.contacts(10);
  for (let index = 0; index < 100; index += 1) {
    await org.audience(`Audience ${index}`, { members: contacts.slice(0, index % 10) });
  }
  // The key's first use looks it up; every later request finds it in the process's cache.
  await server.graphql('{ audiences(limit: 1) { meta { total } } }', {}, org.apiKey);
});
afterAll(() => server.close());

async function statementsFor(query: string) {
  let data: Record<string, any> | null | undefined;
  const counted = await server.countStatements(async () => {
    const result = await server.graphql(query, {}, org.apiKey);
    expect(result.errors).toBeUndefined();
    data = result.data;
  });
  return { ...counted, data: data! };
}

test('audiences { contactCount } sends the same statements for 1, 10 and 100 audiences', async () => {
  const counts = [];
  for (const limit of [1, 10, 100]) {
    const { count, sql, data } = await statementsFor(
      `{ audiences(limit: ${limit}) { data { contactCount } meta { total } } }`,
    );
    expect(data.audiences.data).toHaveLength(limit);
    // The counts come with the page's own rows: nothing counts memberships.
    expect(sql.filter((statement) => /audience_contact/.test(statement))).toEqual([]);
    counts.push(count);
  }
  expect(counts[0]).toBeLessThanOrEqual(2);
  expect(new Set(counts).size).toBe(1);
  // One statement once the key is known: the page, its total and every contactCount together.
  expect(counts[0]).toBe(1);
});

test('the members of every audience on a page come in a constant number of statements', async () => {
  const counts = [];
  for (const limit of [1, 100]) {
    const { count } = await statementsFor(
      `{ audiences(limit: ${limit}) { data { contactCount contacts(limit: 3) { data { id } meta { total } } } } }`,
    );
    counts.push(count);
  }
  expect(counts[0]).toBe(counts[1]);
});
