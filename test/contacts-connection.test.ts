import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const CONNECTION = `query($id: ID!, $first: Int, $after: String, $sortBy: ContactSortField, $sortOrder: SortOrder, $search: String) {
  audience(id: $id) {
    contactsConnection(first: $first, after: $after, sortBy: $sortBy, sortOrder: $sortOrder, search: $search) {
      edges { cursor node { id firstName lastName primaryPhone createdAt } }
      pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
      totalCount
    }
  }
}`;
const OFFSET = `query($id: ID!, $sortBy: ContactSortField, $sortOrder: SortOrder) {
  audience(id: $id) { contacts(limit: 100, sortBy: $sortBy, sortOrder: $sortOrder) { data { id } } }
}`;

let server: TestServer;
let org: TestOrganization;
let audienceId: string;
beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
  const names = ['Zoe', 'adam', 'Émile', 'bob', 'Adam'];
  const members = await org.contacts(23, (index) => ({
    firstName: names[index % names.length],
    lastName: `L${index % 4}`,
  }));
  await org.contacts(7); // not members
  audienceId = (await org.audience('Scrolled', { members })).id;
});
afterAll(() => server.close());

async function connection(variables: Record<string, unknown>) {
  const result = await server.graphql(CONNECTION, { id: audienceId, ...variables }, org.apiKey);
  expect(result.errors).toBeUndefined();
  return result.data!.audience.contactsConnection;
}

test.each([
  ['createdAt', 'desc'],
  ['createdAt', 'asc'],
  ['firstName', 'asc'],
  ['firstName', 'desc'],
  ['lastName', 'asc'],
  ['primaryPhone', 'desc'],
])(
  'walking by %s %s visits every member once, in the order of the offset form',
  async (sortBy, sortOrder) => {
    const seen: string[] = [];
    let after: string | null = null;
    let pages = 0;
    for (;;) {
      const page: any = await connection({ first: 5, after, sortBy, sortOrder });
      pages += 1;
      expect(page.totalCount).toBe(23);
      expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
      expect(page.pageInfo.startCursor).toBe(page.edges[0]?.cursor ?? null);
      expect(page.pageInfo.endCursor).toBe(page.edges.at(-1)?.cursor ?? null);
      seen.push(...page.edges.map((edge: { node: { id: string } }) => edge.node.id));
      if (!page.pageInfo.hasNextPage) break;
      after = page.pageInfo.endCursor;
    }
    expect(pages).toBe(5);
    const offset = await server.graphql(OFFSET, { id: audienceId, sortBy, sortOrder }, org.apiKey);
    expect(seen).toEqual(
      offset.data!.audience.contacts.data.map((contact: { id: string }) => contact.id),
    );
  },
);

test('an empty audience has no edges and no cursors', async () => {
  const empty = await org.audience('Empty');
  const result = await server.graphql(CONNECTION, { id: empty.id }, org.apiKey);
  expect(result.data!.audience.contactsConnection).toEqual({
    edges: [],
    pageInfo: { hasNextPage: false, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: 0,
  });
});

test('first: 0 answers no edges, with totalCount and pageInfo (Relay takes 0)', async () => {
  expect(await connection({ first: 0 })).toEqual({
    edges: [],
    pageInfo: { hasNextPage: true, hasPreviousPage: false, startCursor: null, endCursor: null },
    totalCount: 23,
  });
  const { endCursor } = (await connection({ first: 22 })).pageInfo;
  expect(await connection({ first: 0, after: endCursor })).toEqual({
    edges: [],
    pageInfo: { hasNextPage: true, hasPreviousPage: true, startCursor: null, endCursor: null },
    totalCount: 23,
  });
});

test('a cursor goes with its search: the same search in another case or with spaces is the same one', async () => {
  const first = await connection({ first: 2, search: 'adam' });
  expect(first.totalCount).toBeGreaterThan(2);
  const next = await connection({ first: 2, search: ' ADAM', after: first.pageInfo.endCursor });
  expect(next.pageInfo.hasPreviousPage).toBe(true);
  expect(next.edges.map((edge: any) => edge.node.firstName.toLowerCase())).toEqual([
    'adam',
    'adam',
  ]);
});

test('a cursor given out before cursors carried their search is refused: it cannot say its search', async () => {
  const first = await connection({ first: 3 });
  const parts = JSON.parse(Buffer.from(first.pageInfo.endCursor, 'base64url').toString('utf8'));
  expect(parts).toHaveLength(5);
  const legacy = Buffer.from(JSON.stringify(parts.slice(0, 4))).toString('base64url');
  const result = await server.graphql(
    CONNECTION,
    { id: audienceId, first: 3, after: legacy },
    org.apiKey,
  );
  expect(onlyError(result).extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    fields: [{ field: 'after', messages: ['after is not a cursor this API gave out'] }],
  });
});

test.each([
  ['first -1', { first: -1 }, 'first'],
  ['first 101', { first: 101 }, 'first'],
  ['a cursor that is not one', { after: 'bm90IGEgY3Vyc29y' }, 'after'],
  ['a cursor of another sort', { sortBy: 'firstName', afterOf: { sortBy: 'createdAt' } }, 'after'],
  ['a cursor of another search', { search: 'zoe', afterOf: { search: 'adam' } }, 'after'],
  ['a cursor of a search, without it', { afterOf: { search: 'adam' } }, 'after'],
  ['a cursor of no search, with one', { search: 'adam', afterOf: {} }, 'after'],
])('%s is BAD_USER_INPUT naming %s', async (_label, variables, field) => {
  const { afterOf, ...rest } = variables as Record<string, unknown>;
  const after = afterOf
    ? (await connection({ first: 1, ...(afterOf as object) })).pageInfo.endCursor
    : rest.after;
  const result = await server.graphql(CONNECTION, { id: audienceId, ...rest, after }, org.apiKey);
  expect(onlyError(result).extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    fields: [{ field }],
  });
});

test('the connections of a whole page of audiences come in one statement', async () => {
  const many = await TestOrganization.create(server.db);
  for (const size of [0, 2, 5]) await many.audience(`Size ${size}`, { members: size });
  const { sql } = await server.countStatements(async () => {
    const result = await server.graphql(
      '{ audiences(sortBy: name, sortOrder: asc) { data { contactsConnection(first: 3) { edges { node { id } } totalCount } } } }',
      {},
      many.apiKey,
    );
    expect(
      result.data!.audiences.data.map((a: any) => [
        a.contactsConnection.edges.length,
        a.contactsConnection.totalCount,
      ]),
    ).toEqual([
      [0, 0],
      [2, 2],
      [3, 5],
    ]);
  });
  expect(
    sql.filter(
      (statement) => statement.includes('union all') || statement.includes('row_number()'),
    ),
  ).toHaveLength(1);
});
