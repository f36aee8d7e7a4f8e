import { GraphQLError } from 'graphql';
import { toAppError } from '../src/common/database-errors';
import { connectOrm } from '../src/database/database';
import { createErrorFormatter } from '../src/graphql/format-error';
import { TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { onlyError, TestServer } from './support/test-server';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

test('a database that cannot answer is SERVICE_UNAVAILABLE (503) on both doors, with no internals', async () => {
  const org = await TestOrganization.create(server.db);
  const broken = await TestServer.start();
  await broken.orm.close(true);
  try {
    const result = await broken.graphql('{ audiences { data { id } } }', {}, org.apiKey);
    const error = onlyError(result);
    expect(error).toEqual({
      message: 'The database is unavailable right now; try again shortly',
      extensions: { code: 'SERVICE_UNAVAILABLE' },
    });
    expect(result.status).toBe(503);
    const restResult = await rest(broken.url, 'GET', '/api/audience', { apiKey: org.apiKey });
    expect(restResult).toEqual({
      status: 503,
      body: {
        statusCode: 503,
        error: 'Service Unavailable',
        message: 'The database is unavailable right now; try again shortly',
      },
    });
  } finally {
    await broken.app.close();
  }
});

test('an unexpected error in a resolver is logged and reported as INTERNAL_SERVER_ERROR only', () => {
  const logged: unknown[] = [];
  const format = createErrorFormatter((error) => logged.push(error));
  const cause = new Error('relation "audience" does not exist at 10.0.0.5');
  const wrapped = new GraphQLError(cause.message, { path: ['audiences'], originalError: cause });
  expect(
    format(
      {
        message: cause.message,
        path: ['audiences'],
        extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['…'] },
      },
      wrapped,
    ),
  ).toEqual({
    message: 'Internal server error',
    path: ['audiences'],
    locations: undefined,
    extensions: { code: 'INTERNAL_SERVER_ERROR' },
  });
  expect(logged).toEqual([cause]);
});

test('syntax errors, unknown fields and mistyped variables keep GraphQL’s own codes', async () => {
  const org = await TestOrganization.create(server.db);
  expect(onlyError(await server.graphql('{ audiences { ', {}, org.apiKey)).extensions.code).toBe(
    'GRAPHQL_PARSE_FAILED',
  );
  expect(
    onlyError(await server.graphql('{ audiences { password } }', {}, org.apiKey)).extensions.code,
  ).toBe('GRAPHQL_VALIDATION_FAILED');
  const badVariable = await server.graphql(
    'query($limit: Int) { audiences(limit: $limit) { meta { total } } }',
    { limit: 'abc' },
    org.apiKey,
  );
  expect(onlyError(badVariable).extensions.code).toBe('BAD_USER_INPUT');
  // A null variable for a non-null argument with a default is caught only while executing.
  const nullForDefault = await server.graphql(
    'query($sortBy: AudienceSortField) { audiences(sortBy: $sortBy) { meta { total } } }',
    { sortBy: null },
    org.apiKey,
  );
  expect(onlyError(nullForDefault)).toMatchObject({
    message: 'Argument "sortBy" of non-null type "AudienceSortField!" must not be null.',
    extensions: { code: 'BAD_USER_INPUT' },
  });
});

// The largest operation the API is meant for: 100 audiences, each with 100 contacts both ways.
const DEEPEST =
  'audiences(limit: 100) { data { contactsConnection(first: 100) { edges { cursor node { id firstName } } pageInfo { endCursor } totalCount } contacts(limit: 100) { data { id } meta { total } } } meta { total } }';

describe('operation limits', () => {
  const nested = (depth: number) => `{ ${'a { '.repeat(depth)}b${' }'.repeat(depth)} }`;

  test.each([
    ['11 levels of depth', nested(11), 'GRAPHQL_VALIDATION_FAILED', /depth limit of 10/i],
    [
      '16 aliases',
      `{ ${Array.from({ length: 16 }, (_, index) => `a${index}: audiences { meta { total } }`).join(' ')} }`,
      'GRAPHQL_VALIDATION_FAILED',
      /aliases limit of 15/i,
    ],
    [
      '21 directives',
      `{ ${'__typename @include(if: true) '.repeat(21)}}`,
      'GRAPHQL_VALIDATION_FAILED',
      /directives limit of 20/i,
    ],
    [
      'a cost over 200,000',
      `{ a: ${DEEPEST} b: ${DEEPEST} }`,
      'GRAPHQL_VALIDATION_FAILED',
      /cost limit of 200000 exceeded, found 241002/i,
    ],
    [
      'fragments spread 30 times at each of 3 levels (27,000 fields once expanded)',
      `{ ...F0 } ${Array.from({ length: 3 }, (_, level) => `fragment F${level} on Query { ${`...F${level + 1} `.repeat(30)}}`).join(' ')} fragment F3 on Query { __typename }`,
      'GRAPHQL_VALIDATION_FAILED',
      /field limit of 10000 exceeded/i,
    ],
    [
      'over 2,000 tokens',
      `{ ${'__typename '.repeat(2100)}}`,
      'GRAPHQL_PARSE_FAILED',
      /2000 tokens/,
    ],
  ])('%s is refused, naming the limit', async (_label, query, code, message) => {
    const org = await TestOrganization.create(server.db);
    const result = await server.graphql(query, {}, org.apiKey);
    expect(
      result.errors!.some((error) => error.extensions.code === code && message.test(error.message)),
    ).toBe(true);
    expect(result.data ?? null).toBeNull();
  });

  test('the deepest real operation (a connection inside a page of audiences) is within them', async () => {
    const org = await TestOrganization.create(server.db);
    const result = await server.graphql(`{ ${DEEPEST} }`, {}, org.apiKey);
    expect(result.errors).toBeUndefined();
  });

  test('a document is costed the same every time it comes (costs are kept per document)', async () => {
    const org = await TestOrganization.create(server.db);
    for (let call = 0; call < 3; call += 1) {
      const costly = await server.graphql(`{ a: ${DEEPEST} b: ${DEEPEST} }`, {}, org.apiKey);
      expect(onlyError(costly).message).toMatch(/cost limit of 200000 exceeded/i);
      expect((await server.graphql(`{ ${DEEPEST} }`, {}, org.apiKey)).errors).toBeUndefined();
    }
  });

  test('page sizes sent as variables are costed at their value', async () => {
    const org = await TestOrganization.create(server.db);
    const query = `query($n: Int!, $m: Int!) { a: ${DEEPEST.replace(/\b(limit|first): 100/g, '$1: $n')} b: ${DEEPEST.replace(/\b(limit|first): 100/g, '$1: $m')} }`;
    const costly = await server.graphql(query, { n: 100, m: 100 }, org.apiKey);
    expect(onlyError(costly)).toMatchObject({
      message: expect.stringMatching(/cost limit of 200000 exceeded, found 241002/i),
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    expect(costly.status).toBe(400);
    expect(costly.data ?? null).toBeNull();
    const cheap = await server.graphql(query, { n: 100, m: 10 }, org.apiKey);
    expect(cheap.errors).toBeUndefined();
  });

  test('Apollo’s CSRF prevention is on: a simple GET (a form or an <img> could send one) is refused, one with the key header (preflighted by any browser) is not', async () => {
    const org = await TestOrganization.create(server.db);
    const url = `${server.url}/graphql?query=${encodeURIComponent('{ audiences { meta { total } } }')}`;
    const simple = await fetch(url);
    expect(simple.status).toBe(400);
    expect(await simple.text()).toMatch(/CSRF/);
    const withKey: Record<string, string>[] = [
      { 'x-api-key': org.apiKey },
      { 'x-api-key': org.apiKey, 'apollo-require-preflight': 'true' },
    ];
    for (const headers of withKey) {
      const preflighted = await fetch(url, { headers });
      expect(preflighted.status).toBe(200);
      expect(await preflighted.json()).toEqual({ data: { audiences: { meta: { total: 0 } } } });
    }
  });

  test('a body the JSON parser refuses is answered in GraphQL’s shape, with a code', async () => {
    const org = await TestOrganization.create(server.db);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
      body: '{"query": "{ __typename }",',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      errors: [{ message: expect.any(String), extensions: { code: 'BAD_REQUEST' } }],
    });
  });

  test('batched requests are refused', async () => {
    const org = await TestOrganization.create(server.db);
    const response = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
      body: JSON.stringify([{ query: '{ __typename }' }, { query: '{ __typename }' }]),
    });
    expect(response.status).toBe(400);
    await response.arrayBuffer();
  });
});

test('STATEMENT_TIMEOUT_MS reaches every connection: PostgreSQL cancels a longer statement', async () => {
  const { orm } = await connectOrm({
    url: process.env.TEST_DATABASE_URL!,
    poolSize: 1,
    statementTimeoutMs: 200,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  try {
    await expect(orm.em.getKnex().raw('select pg_sleep(1)')).rejects.toMatchObject({
      code: '57014',
    });
    const cancelled = await orm.em
      .getKnex()
      .raw('select pg_sleep(1)')
      .catch((error: unknown) => error);
    expect(toAppError(cancelled)?.code).toBe('SERVICE_UNAVAILABLE');
    expect((await orm.em.getKnex().raw('select 1 as one')).rows).toEqual([{ one: 1 }]);
  } finally {
    await orm.close();
  }
});
