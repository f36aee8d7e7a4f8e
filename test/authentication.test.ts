import { issueApiKey, revokeApiKey } from '../src/organization/api-key.service';
import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const OPERATIONS: [string, string][] = [
  ['audiences', '{ audiences { data { id } } }'],
  ['audience', '{ audience(id: "00000000-0000-4000-8000-000000000000") { id } }'],
  ['contacts', '{ contacts { data { id } } }'],
  ['createAudience', 'mutation { createAudience(input: { name: "Nope" }) { id } }'],
  [
    'updateAudience',
    'mutation { updateAudience(id: "00000000-0000-4000-8000-000000000000", input: { name: "Nope" }) { id } }',
  ],
  [
    'deleteAudience',
    'mutation { deleteAudience(id: "00000000-0000-4000-8000-000000000000") { id } }',
  ],
  [
    'addContactsToAudience',
    'mutation { addContactsToAudience(id: "00000000-0000-4000-8000-000000000000", contacts: ["00000000-0000-4000-8000-000000000001"]) }',
  ],
  [
    'createContacts',
    'mutation { createContacts(input: [{ firstName: "A", lastName: "B", primaryPhone: "+15551234567" }]) { id } }',
  ],
];

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

test.each(OPERATIONS)(
  '%s without a key is refused with 401 UNAUTHENTICATED, as a bad key is',
  async (_name, query) => {
    const result = await server.graphql(query);
    expect(result.status).toBe(401);
    expect(result.data).toBeUndefined();
    const error = onlyError(result);
    expect(error.extensions.code).toBe('UNAUTHENTICATED');
    expect(error.message).toMatch(/x-api-key/);
  },
);

test('without a key, a scoped field behind a fragment is refused too; REST says 401 likewise', async () => {
  const hidden = await server.graphql(
    'query { ...Open ... on Query { __typename } } fragment Open on Query { __typename audiences { meta { total } } }',
  );
  expect(hidden.status).toBe(401);
  expect(onlyError(hidden).extensions.code).toBe('UNAUTHENTICATED');
  const rest = await fetch(`${server.url}/api/audience`);
  expect(rest.status).toBe(401);
  expect(await rest.json()).toMatchObject({
    statusCode: 401,
    message: expect.stringMatching(/x-api-key/),
  });
});

test('without a key, introspection and the subgraph schema answer (a router composes before any client calls)', async () => {
  const result = await server.graphql(
    '{ __typename _service { sdl } __type(name: "Audience") { name } }',
  );
  expect(result.status).toBe(200);
  expect(result.errors).toBeUndefined();
  expect(result.data).toMatchObject({ __typename: 'Query', __type: { name: 'Audience' } });
  expect(result.data!._service.sdl).toContain('@key(fields: "id")');
});

test.each([
  ['an unknown key', 'agk_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'],
  ['a key of the wrong shape', 'Bearer something'],
  ['an empty key', ''],
  ['a very long key', `agk_${'a'.repeat(10_000)}`],
])('%s is refused with 401 UNAUTHENTICATED before anything runs', async (_label, apiKey) => {
  const before = await server.countRows('audience', { name: 'Nope' });
  const result = await server.graphql(OPERATIONS[3]![1], {}, apiKey);
  expect(result.status).toBe(401);
  expect(onlyError(result).extensions.code).toBe('UNAUTHENTICATED');
  expect(await server.countRows('audience', { name: 'Nope' })).toBe(before);
});

test('a revoked key stops working within the notification’s round trip; the organization’s other keys go on', async () => {
  const org = await TestOrganization.create(server.db);
  const second = await issueApiKey(server.db, org.organizationId, org.userId);
  expect((await server.graphql(OPERATIONS[0]![1], {}, org.apiKey)).errors).toBeUndefined();
  expect(await revokeApiKey(server.db, org.apiKeyId)).toBe(true);
  // The revocation's commit answers on one connection, its notification reaches the key cache on
  // another, a moment later (api-key-cache.test.ts measures it on two instances).
  const revokedAt = performance.now();
  while ((await server.graphql(OPERATIONS[0]![1], {}, org.apiKey)).status !== 401) {
    expect(performance.now() - revokedAt).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const refused = await server.graphql(OPERATIONS[0]![1], {}, org.apiKey);
  expect(refused.status).toBe(401);
  expect(onlyError(refused).extensions.code).toBe('UNAUTHENTICATED');
  expect((await server.graphql(OPERATIONS[0]![1], {}, second.apiKey)).errors).toBeUndefined();
});

test('only a hash of each key is stored', async () => {
  const org = await TestOrganization.create(server.db);
  const rows = await server
    .db('api_key')
    .where({ organization_id: org.organizationId })
    .select('*');
  expect(rows).toHaveLength(1);
  expect(JSON.stringify(rows)).not.toContain(org.apiKey);
  expect(JSON.stringify(rows)).not.toContain(org.apiKey.slice(4, 24));
});

test('the schema can be introspected without a key', async () => {
  const result = await server.graphql('{ __schema { queryType { name } } }');
  expect(result).toEqual({ status: 200, data: { __schema: { queryType: { name: 'Query' } } } });
});

test('past its limit a key gets 429 with retry-after on both doors; other keys go on', async () => {
  const limited = await TestServer.start({ config: { rateLimitPerMinute: 3 } });
  try {
    const org = await TestOrganization.create(limited.db);
    const other = await TestOrganization.create(limited.db);
    for (let call = 0; call < 3; call += 1) {
      expect(
        (await limited.graphql('{ audiences { meta { total } } }', {}, org.apiKey)).status,
      ).toBe(200);
    }
    const graphql = await fetch(`${limited.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
      body: JSON.stringify({ query: '{ audiences { meta { total } } }' }),
    });
    expect(graphql.status).toBe(429);
    expect(Number(graphql.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(graphql.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(await graphql.json()).toEqual({
      errors: [
        { message: expect.stringMatching(/rate limit/i), extensions: { code: 'RATE_LIMITED' } },
      ],
    });
    // In the media type the client asked for, as Apollo answers everything else.
    const negotiated = await fetch(`${limited.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/graphql-response+json',
        'x-api-key': org.apiKey,
      },
      body: JSON.stringify({ query: '{ audiences { meta { total } } }' }),
    });
    expect(negotiated.status).toBe(429);
    expect(negotiated.headers.get('content-type')).toBe(
      'application/graphql-response+json; charset=utf-8',
    );
    const negotiatedBody = (await negotiated.json()) as {
      errors: { extensions: { code: string } }[];
    };
    expect(negotiatedBody.errors[0]!.extensions.code).toBe('RATE_LIMITED');
    const restCall = await fetch(`${limited.url}/api/audience`, {
      headers: { 'x-api-key': org.apiKey },
    });
    expect(restCall.status).toBe(429);
    expect(await restCall.json()).toMatchObject({ statusCode: 429, error: 'Too Many Requests' });
    expect(
      (await limited.graphql('{ audiences { meta { total } } }', {}, other.apiKey)).status,
    ).toBe(200);
    expect((await fetch(`${limited.url}/healthz`)).status).toBe(200);
  } finally {
    await limited.close();
  }
});

test('calls with the key as Basic auth (POST /api/sms/inbound) are counted per key, not per IP', async () => {
  const limited = await TestServer.start({ config: { rateLimitPerMinute: 2 } });
  try {
    const inbound = (apiKey: string) =>
      fetch(`${limited.url}/api/sms/inbound`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`provider:${apiKey}`).toString('base64')}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: 'From=%2B15550000001&Body=hello',
      }).then((response) => response.status);
    const first = await TestOrganization.create(limited.db);
    const second = await TestOrganization.create(limited.db);
    // Both from the same address: the first key's limit leaves the second's whole.
    expect([await inbound(first.apiKey), await inbound(first.apiKey)]).toEqual([200, 200]);
    expect(await inbound(first.apiKey)).toBe(429);
    expect([await inbound(second.apiKey), await inbound(second.apiKey)]).toEqual([200, 200]);
  } finally {
    await limited.close();
  }
});
