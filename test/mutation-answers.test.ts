import pg from 'pg';
import { type GraphQLObjectType, isObjectType } from 'graphql';
import { buildGraphQLSchema } from '../src/graphql/schema';
import { NESTED_ARGUMENT_RULES } from '../src/graphql/nested-arguments';
import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

// An error with `data: null` on a mutation means nothing happened: a bad argument anywhere in its
// answer is refused before the mutation runs.
let server: TestServer;
let org: TestOrganization;
beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
});
afterAll(() => server.close());

const BAD_SELECTIONS: [string, string, Record<string, unknown>, string[]][] = [
  ['a literal limit', 'id contacts(limit: 0) { data { id } }', {}, ['contacts']],
  ['a page past the bounds', 'id contacts(page: 0) { meta { total } }', {}, ['contacts']],
  ['a limit in a variable', 'id contacts(limit: $n) { data { id } }', { n: 101 }, ['contacts']],
  [
    'a bad cursor',
    'id contactsConnection(after: "bm90IGEgY3Vyc29y") { totalCount }',
    {},
    ['contactsConnection'],
  ],
  ['first -1, aliased', 'id page: contactsConnection(first: -1) { totalCount }', {}, ['page']],
  [
    'a search too long',
    `id contacts(search: "${'x'.repeat(257)}") { meta { total } }`,
    {},
    ['contacts'],
  ],
  [
    'in an inline fragment',
    'id ... on Audience { contacts(limit: 0) { data { id } } }',
    {},
    ['contacts'],
  ],
  ['in a named fragment', 'id ...Members', {}, ['contacts']],
];

function operation(root: string, selection: string, variables: Record<string, unknown>) {
  const declared = 'n' in variables ? '($n: Int!)' : '';
  const fragment = selection.includes('...Members')
    ? ' fragment Members on Audience { contacts(limit: 1000) { data { id } } }'
    : '';
  return `mutation${declared} { ${root} { ${selection} } }${fragment}`;
}

async function audienceRow(name: string) {
  return server.db('audience').where({ organization_id: org.organizationId, name }).first();
}

describe.each(BAD_SELECTIONS)('%s', (_label, selection, variables, path) => {
  test('createAudience creates nothing and says so', async () => {
    const name = `Probe ${Math.random().toString(36).slice(2, 10)}`;
    const result = await server.graphql(
      operation(`createAudience(input: { name: "${name}" })`, selection, variables),
      variables,
      org.apiKey,
    );
    expect(result.data ?? null).toBeNull();
    const error = onlyError(result);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.path).toEqual(['createAudience', ...path]);
    expect(await audienceRow(name)).toBeUndefined();
  });

  test('updateAudience changes nothing', async () => {
    const audience = await org.audience(`Before ${Math.random().toString(36).slice(2, 10)}`);
    const result = await server.graphql(
      operation(
        `updateAudience(id: "${audience.id}", input: { name: "After the change" })`,
        selection,
        variables,
      ),
      variables,
      org.apiKey,
    );
    expect(result.data ?? null).toBeNull();
    expect(onlyError(result).extensions.code).toBe('BAD_USER_INPUT');
    const row = await server.db('audience').where({ id: audience.id }).first();
    expect(row.name).toBe(audience.name);
    expect(new Date(row.updated_at).getTime()).toBe(audience.updatedAt.getTime());
  });

  test('deleteAudience deletes nothing', async () => {
    const audience = await org.audience(`Kept ${Math.random().toString(36).slice(2, 10)}`);
    const result = await server.graphql(
      operation(`deleteAudience(id: "${audience.id}")`, selection, variables),
      variables,
      org.apiKey,
    );
    expect(result.data ?? null).toBeNull();
    expect(onlyError(result).extensions.code).toBe('BAD_USER_INPUT');
    expect((await server.db('audience').where({ id: audience.id }).first()).deleted_at).toBeNull();
  });
});

test('the error is the one the field gives when it runs, message and details alike', async () => {
  const audience = await org.audience('Reference');
  const read = await server.graphql(
    `{ audience(id: "${audience.id}") { contacts(limit: 0) { data { id } } } }`,
    {},
    org.apiKey,
  );
  const written = await server.graphql(
    'mutation { createAudience(input: { name: "Never made" }) { contacts(limit: 0) { data { id } } } }',
    {},
    org.apiKey,
  );
  const withoutPlace = ({ path: _path, ...error }: ReturnType<typeof onlyError>) => {
    delete (error as { locations?: unknown }).locations;
    return error;
  };
  const readError = withoutPlace(onlyError(read));
  const writeError = withoutPlace(onlyError(written));
  expect(writeError).toEqual(readError);
  expect(await audienceRow('Never made')).toBeUndefined();
});

test('valid answers, and skipped fields, do not stop a mutation', async () => {
  const result = await server.graphql(
    `mutation($skip: Boolean!) { createAudience(input: { name: "Made with members" }) {
       id contacts(limit: 5) { meta { total } }
       contactsConnection(first: 3) { totalCount }
       skipped: contacts(limit: 0) @skip(if: $skip) { meta { total } }
       ignored: contacts(limit: 0) @include(if: false) { meta { total } }
     } }`,
    { skip: true },
    org.apiKey,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.createAudience).toMatchObject({
    contacts: { meta: { total: 0 } },
    contactsConnection: { totalCount: 0 },
  });
  expect(await audienceRow('Made with members')).toBeDefined();
});

test('every field with arguments that a mutation’s answer can select has its rules checked first', async () => {
  const schema = await buildGraphQLSchema();
  const roots = new Set(['Query', 'Mutation', 'Subscription']);
  const withArguments = Object.values(schema.getTypeMap())
    .filter((type) => isObjectType(type) && !type.name.startsWith('__') && !roots.has(type.name))
    .flatMap((type) =>
      Object.values((type as GraphQLObjectType).getFields())
        .filter((field) => field.args.length > 0)
        .map((field) => `${type.name}.${field.name}`),
    );
  expect(withArguments.sort()).toEqual(Object.keys(NESTED_ARGUMENT_RULES).sort());
});

test('one change per mutation operation: two root fields are refused before anything runs', async () => {
  for (const query of [
    'mutation { a: createAudience(input: { name: "First of two" }) { id } b: createAudience(input: { name: "x" }) { id } }',
    'mutation { ...Both } fragment Both on Mutation { createAudience(input: { name: "First of two" }) { id } deleteAudience(id: "00000000-0000-4000-8000-000000000000") { id } }',
    'mutation { createAudience(input: { name: "First of two" }) { id } ... on Mutation { again: createAudience(input: { name: "Second of two" }) { id } } }',
  ]) {
    const result = await server.graphql(query, {}, org.apiKey);
    expect(result.status).toBe(400);
    const error = onlyError(result);
    expect(error.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(error.message).toMatch(/makes one change: this one has 2/);
    expect(await audienceRow('First of two')).toBeUndefined();
  }
  const single = await server.graphql(
    'mutation { __typename createAudience(input: { name: "Alone" }) { id } }',
    {},
    org.apiKey,
  );
  expect(single.errors).toBeUndefined();
});

test('a failure reading a mutation’s answer after its write undoes the write', async () => {
  // Reading the members times out (another session holds their table): the answer says the
  // mutation failed, so its write must not stand.
  const slow = await TestServer.start({ statementTimeoutMs: 500 });
  const elsewhere = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await elsewhere.connect();
  try {
    const owner = await TestOrganization.create(slow.db);
    const audience = await owner.audience('Before the lock', { members: 2 });
    await elsewhere.query('begin');
    await elsewhere.query('lock table audience_contact in access exclusive mode');
    const result = await slow.graphql(
      `mutation { updateAudience(id: "${audience.id}", input: { name: "After the lock" }) {
         name contacts { data { id } }
       } }`,
      {},
      owner.apiKey,
    );
    await elsewhere.query('rollback');
    expect(result.data ?? null).toBeNull();
    expect(onlyError(result).extensions.code).toBe('SERVICE_UNAVAILABLE');
    // No data at all: the status says so too, for gateways and clients that retry on it.
    expect(result.status).toBe(503);
    const row = await slow.db('audience').where({ id: audience.id }).first();
    expect(row.name).toBe('Before the lock');
  } finally {
    await elsewhere.query('rollback').catch(() => undefined);
    await elsewhere.end();
    await slow.close();
  }
});
