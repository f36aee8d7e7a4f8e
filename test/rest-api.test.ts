import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { revokeApiKey } from '../src/organization/api-key.service';
import { TestOrganization } from './support/fixtures';
import { rest, type RestResult } from './support/rest-client';
import { TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const call = (method: string, path: string, options: Parameters<typeof rest>[3] = {}) =>
  rest(server.url, method, path, options);

function expectError(result: RestResult, statusCode: number, message?: string | string[] | RegExp) {
  const error = {
    400: 'Bad Request',
    401: 'Unauthorized',
    404: 'Not Found',
    413: 'Payload Too Large',
  }[statusCode];
  expect(result.status).toBe(statusCode);
  // Bad input also lists its fields, as GraphQL's extensions do: the same messages, by field.
  const {
    fields,
    unknownContactIds: _unknown,
    ...body
  } = result.body as {
    fields?: { field: string; messages: string[] }[];
    unknownContactIds?: string[];
    message?: string | string[];
  };
  expect(body).toEqual({
    statusCode,
    error,
    message:
      message instanceof RegExp ? expect.stringMatching(message) : (message ?? expect.anything()),
  });
  if (fields !== undefined) {
    expect(fields.flatMap((field) => field.messages)).toEqual([body.message].flat());
  }
}

describe('query strings are parsed strictly', () => {
  let org: TestOrganization;
  let audienceId: string;
  beforeAll(async () => {
    org = await TestOrganization.create(server.db);
    audienceId = (await org.audience('Query target', { members: 3 })).id;
  });

  test.each([
    ['limit=abc', 'limit must be an integer number'],
    ['limit=0', 'limit must not be less than 1'],
    ['limit=101', 'limit must not be greater than 100'],
    ['limit=2.5', 'limit must be an integer number'],
    ['limit=', 'limit must be an integer number'],
    ['limit=1&limit=2', 'limit must be an integer number'],
    ['page=0', 'page must not be less than 1'],
    ['page=-1', 'page must not be less than 1'],
    ['sortBy=password', 'sortBy must be one of the following values: name, createdAt, updatedAt'],
    ['sortOrder=up', 'sortOrder must be one of the following values: asc, desc'],
    ['sortby=name', 'property sortby should not exist'],
    [`search=${'s'.repeat(257)}`, 'search must be shorter than or equal to 256 characters'],
  ])('GET /api/audience?%s is a 400 naming the field', async (query, message) => {
    expectError(await call('GET', `/api/audience?${query}`, { apiKey: org.apiKey }), 400, message);
  });

  test('several bad parameters give a list of messages', async () => {
    expectError(await call('GET', '/api/audience?limit=0&page=0', { apiKey: org.apiKey }), 400, [
      'page must not be less than 1',
      'limit must not be less than 1',
    ]);
  });

  test.each([
    ['limit=1', 1],
    ['limit=100', 3],
    ['page=1&limit=20', 3],
  ])('GET /api/audience/:id/contacts?%s is accepted', async (query, count) => {
    const result = await call('GET', `/api/audience/${audienceId}/contacts?${query}`, {
      apiKey: org.apiKey,
    });
    expect(result.status).toBe(200);
    expect(result.body.data).toHaveLength(count);
  });

  test.each([
    ['limit=101', 'limit must not be greater than 100'],
    [
      'sortBy=name',
      'sortBy must be one of the following values: firstName, lastName, primaryPhone, createdAt',
    ],
    ['sortOrder=DESC', 'sortOrder must be one of the following values: asc, desc'],
    ['page=abc', 'page must be an integer number'],
  ])('GET /api/audience/:id/contacts?%s is a 400', async (query, message) => {
    expectError(
      await call('GET', `/api/audience/${audienceId}/contacts?${query}`, { apiKey: org.apiKey }),
      400,
      message,
    );
  });

  test('defaults and meta as the contract says', async () => {
    const result = await call('GET', '/api/audience', { apiKey: org.apiKey });
    expect(result.body.meta).toEqual({
      page: 1,
      limit: 20,
      total: 1,
      totalPages: 1,
      hasNextPage: false,
      hasPreviousPage: false,
    });
    const past = await call('GET', '/api/audience?page=2&limit=1', { apiKey: org.apiKey });
    expect(past.body).toEqual({
      data: [],
      meta: {
        page: 2,
        limit: 1,
        total: 1,
        totalPages: 1,
        hasNextPage: false,
        hasPreviousPage: true,
      },
    });
  });
});

describe('bodies', () => {
  test.each([
    ['a 3-character name', { name: 'abc' }],
    ['a 64-character name', { name: 'n'.repeat(64) }],
    ['a 256-character description', { name: 'Long one', description: 'd'.repeat(256) }],
  ])('POST /api/audience takes %s (201)', async (_label, json) => {
    const org = await TestOrganization.create(server.db);
    const result = await call('POST', '/api/audience', { apiKey: org.apiKey, json });
    expect(result.status).toBe(201);
    expect(result.body).toMatchObject(json);
  });

  test.each([
    ['a 2-character name', { name: 'ab' }, 'name must be longer than or equal to 3 characters'],
    [
      'a 65-character name',
      { name: 'n'.repeat(65) },
      'name must be shorter than or equal to 64 characters',
    ],
    ['no name', { description: 'x' }, 'name must be a string'],
    [
      'a 257-character description',
      { name: 'Fine', description: 'd'.repeat(257) },
      'description must be shorter than or equal to 256 characters',
    ],
    [
      'an unknown field',
      { name: 'Fine', organizationId: randomUUID() },
      'property organizationId should not exist',
    ],
    ['an array', [{ name: 'Fine' }], 'the request body must be a JSON object'],
    ['a string', 'Fine', 'the request body must be a JSON object'],
  ])('POST /api/audience refuses %s with 400 and writes nothing', async (_label, json, message) => {
    const org = await TestOrganization.create(server.db);
    expectError(await call('POST', '/api/audience', { apiKey: org.apiKey, json }), 400, message);
    expect(await server.countRows('audience', { organization_id: org.organizationId })).toBe(0);
  });

  test.each([
    ['malformed JSON', { rawBody: '{"name": "VIP"' }, /JSON/],
    [
      'a wrong content type',
      { rawBody: 'name=VIP', contentType: 'application/x-www-form-urlencoded' },
      'Content-Type must be application/json',
    ],
    [
      'text/plain',
      { rawBody: '{"name":"VIP Customers"}', contentType: 'text/plain' },
      'Content-Type must be application/json',
    ],
    ['no body at all', {}, 'the request body must be a JSON object'],
    ['an empty JSON body', { rawBody: '' }, 'the request body must be a JSON object'],
    [
      'a __proto__ key',
      { rawBody: '{"name":"VIP Customers","__proto__":{"admin":true}}' },
      /proto/i,
    ],
  ])('POST /api/audience with %s is a 400', async (_label, options, message) => {
    const org = await TestOrganization.create(server.db);
    expectError(
      await call('POST', '/api/audience', { apiKey: org.apiKey, ...options }),
      400,
      message,
    );
    expect(await server.countRows('audience', { organization_id: org.organizationId })).toBe(0);
  });

  test('an oversized body is a 413 and writes nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const result = await call('POST', '/api/audience', {
      apiKey: org.apiKey,
      json: { name: 'Huge', description: 'x'.repeat(2 * 1024 * 1024) },
    });
    expectError(result, 413, 'the request body is too large');
    expect(await server.countRows('audience', { organization_id: org.organizationId })).toBe(0);
  });

  test.each([
    [
      'an empty description',
      { description: '' },
      'description must be longer than or equal to 1 characters',
    ],
    [
      'a 257-character description',
      { description: 'd'.repeat(257) },
      'description must be shorter than or equal to 256 characters',
    ],
  ])('PUT /api/audience/:id refuses %s and changes nothing', async (_label, json, message) => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Stays', { description: 'Stays' });
    expectError(
      await call('PUT', `/api/audience/${audience.id}`, { apiKey: org.apiKey, json }),
      400,
      message,
    );
    const row = await server.db('audience').where({ id: audience.id }).first();
    expect(row).toMatchObject({ name: 'Stays', description: 'Stays' });
  });

  test('PUT /api/audience/:id takes 1 and 256 characters of description', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Bounds');
    for (const description of ['d', 'd'.repeat(256)]) {
      const result = await call('PUT', `/api/audience/${audience.id}`, {
        apiKey: org.apiKey,
        json: { description },
      });
      expect(result.status).toBe(200);
      expect(result.body.description).toBe(description);
    }
  });

  test('add-contacts: 10,001 ids, an empty list, a non-UUID or a foreign contact are 400s that add nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    const audience = await org.audience('Add target');
    const [foreign] = await other.contacts(1);
    const [mine] = await org.contacts(1);
    const path = `/api/audience/${audience.id}/add-contacts`;
    const tooMany = Array.from({ length: 10_001 }, () => randomUUID());
    expectError(
      await call('POST', path, { apiKey: org.apiKey, json: { contacts: tooMany } }),
      400,
      'contacts must contain no more than 10000 elements',
    );
    expectError(
      await call('POST', path, { apiKey: org.apiKey, json: { contacts: [] } }),
      400,
      'contacts should not be empty',
    );
    expectError(
      await call('POST', path, { apiKey: org.apiKey, json: { contacts: ['nope'] } }),
      400,
      'each value in contacts must be a UUID',
    );
    expectError(
      await call('POST', path, { apiKey: org.apiKey, json: { contacts: 'nope' } }),
      400,
      'contacts must be an array',
    );
    const unknown = await call('POST', path, {
      apiKey: org.apiKey,
      json: { contacts: [mine!.id, foreign!.id] },
    });
    expectError(unknown, 400, `contacts not found in this organization: ${foreign!.id}`);
    // The ids themselves, as GraphQL's extensions.unknownContactIds gives them.
    expect(unknown.body.unknownContactIds).toEqual([foreign!.id]);
    expect(unknown.body.fields).toEqual([
      { field: 'contacts', messages: [`contacts not found in this organization: ${foreign!.id}`] },
    ]);
    expect(await server.countRows('audience_contact', { audience_id: audience.id })).toBe(0);
    const ok = await call('POST', path, {
      apiKey: org.apiKey,
      json: { contacts: [mine!.id, mine!.id] },
    });
    expect(ok).toEqual({ status: 200, body: [mine!.id] });
  });
});

describe('authentication, not found and other organizations', () => {
  let owner: TestOrganization;
  let intruder: TestOrganization;
  let audienceId: string;
  let contactId: string;
  beforeAll(async () => {
    owner = await TestOrganization.create(server.db, 'Owner');
    intruder = await TestOrganization.create(server.db, 'Intruder');
    const [contact] = await owner.contacts(1);
    contactId = contact!.id;
    audienceId = (await owner.audience('Private', { members: [contact!] })).id;
  });

  const paths = (id: string): [string, string, unknown][] => [
    ['GET', `/api/audience/${id}`, undefined],
    ['GET', `/api/audience/${id}/contacts`, undefined],
    ['PUT', `/api/audience/${id}`, { name: 'Hijacked' }],
    ['DELETE', `/api/audience/${id}`, undefined],
    ['POST', `/api/audience/${id}/add-contacts`, { contacts: [randomUUID()] }],
  ];

  test('every path without a key, or with an unknown or revoked one, is a 401', async () => {
    const revoked = await TestOrganization.create(server.db);
    await revokeApiKey(server.db, revoked.apiKeyId);
    const all: [string, string, unknown][] = [
      ['GET', '/api/audience', undefined],
      ['POST', '/api/audience', { name: 'New one' }],
      ...paths(audienceId),
    ];
    for (const [method, path, json] of all) {
      for (const apiKey of [undefined, 'agk_unknown', revoked.apiKey]) {
        expectError(await call(method, path, { apiKey, json }), 401);
      }
    }
    expect(await server.countRows('audience', { organization_id: revoked.organizationId })).toBe(0);
  });

  test('without a key, even a malformed or oversized body is a 401: bodies are read after the key', async () => {
    expectError(await call('POST', '/api/audience', { rawBody: '{"name": ' }), 401);
    expectError(await call('POST', '/api/audience', { rawBody: 'x'.repeat(2 * 1024 * 1024) }), 401);
  });

  test('another organization’s audience is a 404 on every path, and nothing changes', async () => {
    const before = await server.db('audience').where({ id: audienceId }).first();
    for (const [method, path, json] of paths(audienceId)) {
      expectError(
        await call(method, path, { apiKey: intruder.apiKey, json }),
        404,
        `Audience ${audienceId} not found`,
      );
    }
    expect(await server.db('audience').where({ id: audienceId }).first()).toEqual(before);
    expect(await server.countRows('audience_contact', { audience_id: audienceId })).toBe(1);
    const list = await call('GET', '/api/audience', { apiKey: intruder.apiKey });
    expect(list.body.data.map((a: { id: string }) => a.id)).not.toContain(audienceId);
    expect(JSON.stringify(list.body)).not.toContain(contactId);
  });

  test('an unknown audience is a 404 and a malformed id a 400, on every path', async () => {
    for (const [method, path, json] of paths(randomUUID())) {
      expectError(await call(method, path, { apiKey: owner.apiKey, json }), 404, /not found$/);
    }
    for (const [method, path, json] of paths('not-a-uuid')) {
      expectError(
        await call(method, path, { apiKey: owner.apiKey, json }),
        400,
        'id must be a UUID',
      );
    }
  });

  test('a deleted audience is a 404 everywhere; a second DELETE too', async () => {
    const audience = await owner.audience('To delete');
    const deleted = await call('DELETE', `/api/audience/${audience.id}`, { apiKey: owner.apiKey });
    expect(deleted.status).toBe(200);
    expect(deleted.body).toMatchObject({
      id: audience.id,
      deletedBy: owner.userId,
      deletedAt: expect.any(String),
    });
    for (const [method, path, json] of paths(audience.id)) {
      expectError(await call(method, path, { apiKey: owner.apiKey, json }), 404);
    }
  });

  test('an unknown path under /api is a 404 in the same shape', async () => {
    expectError(
      await call('GET', '/api/audiences', { apiKey: owner.apiKey }),
      404,
      'GET /api/audiences is not a path of this API',
    );
  });

  test('a path that exists with another method is a 405 naming the methods it takes, in the same shape', async () => {
    const cases: [string, string, string][] = [
      ['PATCH', `/api/audience/${audienceId}`, 'DELETE, GET, HEAD, PUT'],
      ['TRACE', '/api/audience', 'GET, HEAD, POST'],
      ['OPTIONS', '/api/audience', 'GET, HEAD, POST'],
      ['DELETE', `/api/audience/${audienceId}/contacts`, 'GET, HEAD'],
      ['GET', `/api/audience/${audienceId}/add-contacts`, 'POST'],
      ['PUT', '/graphql', 'GET, HEAD, OPTIONS, POST'],
      ['POST', '/healthz', 'GET, HEAD'],
    ];
    for (const [method, path, allow] of cases) {
      const response = await anyMethod(method, path, { 'x-api-key': owner.apiKey });
      expect([method, path, response.status, response.allow]).toEqual([method, path, 405, allow]);
      expect(response.body).toEqual({
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `${method} is not a method of ${path}; it takes ${allow}`,
      });
    }
    // Nothing was changed by them.
    expect(
      (await call('GET', `/api/audience/${audienceId}`, { apiKey: owner.apiKey })).status,
    ).toBe(200);
    // Without a key, the key is what is refused first.
    expect((await anyMethod('TRACE', '/api/audience', {})).status).toBe(401);
  });

  test('a body method without a Content-Type (QUERY) on a path without it is a 405 too', async () => {
    for (const path of ['/api/audience', '/graphql']) {
      const response = await anyMethod('QUERY', path, { 'x-api-key': owner.apiKey });
      expect([path, response.status]).toEqual([path, 405]);
      expect(response.allow).toBeDefined();
    }
  });

  test('an id of any length is a 400 naming the id, after the key, not a 414', async () => {
    const long = 'a'.repeat(5_000);
    for (const path of [`/api/audience/${long}`, `/api/contacts/${long}/audiences`]) {
      expectError(await call('GET', path, { apiKey: owner.apiKey }), 400, 'id must be a UUID');
      expect((await call('GET', path, {})).status).toBe(401);
    }
  });
});

/** A request with any method (fetch refuses TRACE), answered as status, Allow and JSON body. */
async function anyMethod(method: string, path: string, headers: Record<string, string>) {
  return new Promise<{ status: number; allow: string | undefined; body: unknown }>(
    (resolve, reject) => {
      const request = http.request(`${server.url}${path}`, { method, headers }, (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () =>
          resolve({
            status: response.statusCode!,
            allow: response.headers.allow,
            body: JSON.parse(text),
          }),
        );
      });
      request.on('error', reject);
      request.end();
    },
  );
}

describe('one core, two doors', () => {
  test('REST and GraphQL answer alike, field for field', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(5);
    const audience = await org.audience('Both doors', {
      description: 'Same answers',
      members: contacts,
    });
    await org.audience('Second');
    const fields =
      'id organizationId name description createdAt updatedAt deletedAt createdBy updatedBy deletedBy';
    const graphql = await server.graphql(
      `query($id: ID!) {
        audiences(limit: 10, sortBy: name, sortOrder: asc) { data { ${fields} contactCount smsSubscribedCount smsUnsubscribedCount emailSubscribedCount emailUnsubscribedCount } meta { page limit total totalPages hasNextPage hasPreviousPage } }
        audience(id: $id) { ${fields} contacts(limit: 3, sortBy: firstName, sortOrder: asc) { data { id organizationId firstName lastName primaryPhone primaryEmail createdAt updatedAt smsConsent { status updatedAt source keyword } emailConsent { status updatedAt source keyword } } meta { page limit total totalPages hasNextPage hasPreviousPage } } }
      }`,
      { id: audience.id },
      org.apiKey,
    );
    const list = await call('GET', '/api/audience?limit=10&sortBy=name&sortOrder=asc', {
      apiKey: org.apiKey,
    });
    const one = await call('GET', `/api/audience/${audience.id}`, { apiKey: org.apiKey });
    const members = await call(
      'GET',
      `/api/audience/${audience.id}/contacts?limit=3&sortBy=firstName&sortOrder=asc`,
      { apiKey: org.apiKey },
    );
    expect(list.body).toEqual(graphql.data!.audiences);
    const { contacts: graphqlMembers, ...graphqlAudience } = graphql.data!.audience;
    expect(one.body).toEqual(graphqlAudience);
    expect(members.body).toEqual(graphqlMembers);

    const updated = await call('PUT', `/api/audience/${audience.id}`, {
      apiKey: org.apiKey,
      json: { name: 'Renamed' },
    });
    const fetched = await server.graphql(
      `query($id: ID!) { audience(id: $id) { ${fields} } }`,
      { id: audience.id },
      org.apiKey,
    );
    expect(updated.body).toEqual(fetched.data!.audience);
  });

  test('GET /api/audience sends as many SQL statements as the GraphQL query, whatever the page size', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(3);
    for (let index = 0; index < 60; index += 1)
      await org.audience(`Audience ${index}`, { members: contacts.slice(0, index % 4) });
    // The key's first use looks it up; later requests find it in the process's cache.
    await call('GET', '/api/audience?limit=1', { apiKey: org.apiKey });
    const counts: number[] = [];
    for (const limit of [1, 20, 60]) {
      counts.push(
        (
          await server.countStatements(() =>
            call('GET', `/api/audience?limit=${limit}`, { apiKey: org.apiKey }),
          )
        ).count,
      );
      counts.push(
        (
          await server.countStatements(() =>
            server.graphql(
              `{ audiences(limit: ${limit}) { data { contactCount } meta { total } } }`,
              {},
              org.apiKey,
            ),
          )
        ).count,
      );
    }
    expect(new Set(counts).size).toBe(1);
    expect(counts[0]).toBe(1);
  });
});
