import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { EventService } from '../src/event/event.service';
import { WebhookService } from '../src/webhook/webhook.service';
import { TestOrganization } from './support/fixtures';
import { longOr } from './support/load';
import { TestServer } from './support/test-server';

/**
 * Property-based tests: generated malformed and boundary inputs on every REST path and every
 * GraphQL argument. Each must be answered with a 4xx (REST) or a coded GraphQL error, never a
 * 5xx, and leave both organizations' data exactly as it was. HOSTILE_RUNS sets the inputs per
 * property (100; 2,000 under LONG_LOAD=1).
 */
const RUNS = Number(process.env.HOSTILE_RUNS ?? longOr(100, 2000));
// Seeded, so that CI reruns the same inputs; HOSTILE_SEED explores others.
const SEED = Number(process.env.HOSTILE_SEED ?? 20261126);
const settings = { numRuns: RUNS, seed: SEED, endOnFailure: true };
jest.setTimeout(longOr(60_000, 1_800_000));

// ---- Generators -------------------------------------------------------------------------------

const META = [
  "'",
  '"',
  "' OR '1'='1",
  "'; drop table audience; --",
  '%',
  '_',
  '\\',
  '\u0000',
  'a\u0000b',
  '\u202e',
  '\ufeff',
  '${process.exit()}',
  '{{7*7}}',
  '</script><script>alert(1)</script>',
  '{"$gt":""}',
  '[]',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'prototype',
  '../../etc/passwd',
  '%00',
  '%2e%2e%2f',
  '\r\nx-injected: 1',
  '😀',
  '𝕏'.repeat(70),
  'e\u0301'.repeat(40),
  ' ',
  '\t\n',
  '-1',
  '0',
  '1e309',
  '9'.repeat(40),
  'NaN',
  'Infinity',
  'true',
  '00000000-0000-0000-0000-000000000000',
  'ffffffff-ffff-ffff-ffff-ffffffffffff',
];

const hostileString = fc.oneof(
  fc.constantFrom(...META),
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.string({ unit: 'grapheme', maxLength: 80 }),
  fc.string({ minLength: 257, maxLength: 3000 }),
  fc.uuid(),
  fc.array(fc.constantFrom(...META), { minLength: 2, maxLength: 4 }).map((parts) => parts.join('')),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.constant([]),
  fc.constant({}),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { maxLength: 4 }),
  fc.dictionary(hostileString, fc.jsonValue({ maxDepth: 1 }), { maxKeys: 3 }),
);

/** Values that are never a valid audience name (3–64 characters, not blank). */
const invalidName: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ maxLength: 2 }),
  fc.string({ minLength: 65, maxLength: 2000 }),
  fc.constantFrom('   ', '\t\n ', '\u00a0\u00a0\u00a0'),
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

/** Values that are never a valid description (a string of 1–256 characters; create allows ''). */
const invalidDescription: fc.Arbitrary<unknown> = fc.oneof(
  fc.string({ minLength: 257, maxLength: 2000 }),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string(), { maxLength: 2 }),
  fc.dictionary(fc.string(), fc.string(), { maxKeys: 2 }),
);

/** An id in the path: anything but a live audience of the caller's. */
const hostileId = fc.oneof(hostileString, fc.uuid()).filter((id) => id.length > 0);

/** A query string of generated pairs: known and unknown keys, repeated keys, hostile values. */
const hostileQuery = fc
  .array(
    fc.tuple(
      fc.oneof(
        fc.constantFrom('page', 'limit', 'search', 'sortBy', 'sortOrder'),
        fc.constantFrom('sortby', 'LIMIT', 'page[]', 'limit[0]', '__proto__', 'constructor', ''),
        hostileString,
      ),
      fc.oneof(hostileString, fc.integer().map(String), fc.constantFrom('', '1', '100', '101')),
    ),
    { maxLength: 6 },
  )
  .map((pairs) =>
    pairs
      .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
      .join('&'),
  );

/** The values an arbitrary generates. */
type ValueOf<A> = A extends fc.Arbitrary<infer T> ? T : never;

// ---- Harness ----------------------------------------------------------------------------------

let server: TestServer;
let org: TestOrganization;
let bystander: TestOrganization;
let audienceId: string;
let contactIds: string[];
let foreignAudienceId: string;
let foreignContactIds: string[];
let contactPhones: string[];

beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db, 'Target');
  bystander = await TestOrganization.create(server.db, 'Bystander');
  const contacts = await org.contacts(30);
  contactIds = contacts.map((contact) => contact.id);
  contactPhones = contacts.map((contact) => contact.primaryPhone);
  audienceId = (await org.audience('Target audience', { members: contacts.slice(0, 10) })).id;
  await org.audience('Second audience', { description: 'kept as is' });
  const foreign = await bystander.contacts(5);
  foreignContactIds = foreign.map((contact) => contact.id);
  foreignAudienceId = (await bystander.audience('Foreign', { members: foreign })).id;
  // A public address literal: the strict URL rules take it without a DNS look-up.
  webhookId = (
    await new WebhookService(server.db, org.actor).create({
      url: 'https://93.184.215.14/hook',
      events: ['contact.created'],
    })
  ).id;
  feedStart = new EventService(server.db, org.actor).cursorAt(0);
});
afterAll(() => server.close());
let webhookId: string;
let feedStart: string;

/** A digest of every row an organization owns: audiences, memberships and contacts. */
async function fingerprint(organizationId: string): Promise<string> {
  const { rows } = await server.db.raw<{ rows: { digest: string }[] }>(
    `select concat_ws(':',
       (select md5(coalesce(string_agg(a::text, '|' order by a.id), '')) from audience a
         where a.organization_id = :org),
       (select md5(coalesce(string_agg(ac::text, '|' order by ac.audience_id, ac.contact_id), ''))
         from audience_contact ac join audience a on a.id = ac.audience_id
         where a.organization_id = :org),
       (select md5(coalesce(string_agg(c::text, '|' order by c.id), '')) from contact c
         where c.organization_id = :org),
       (select md5(coalesce(string_agg(r::text, '|' order by r.id), '')) from consent_change r
         where r.organization_id = :org),
       (select md5(coalesce(string_agg(k::text, '|' order by k.keyword), '')) from sms_keyword k
         where k.organization_id = :org),
       -- What a client sets of a webhook (its delivery state is the deliverers', and another
       -- test's instance may be delivering to it meanwhile).
       (select md5(coalesce(string_agg((w.id, w.url, w.events, w.description, w.secret)::text, '|'
           order by w.id), '')) from webhook_subscription w
         where w.organization_id = :org)) as digest`,
    { org: organizationId },
  );
  return rows[0]!.digest;
}

/** Both organizations' digests; compared before and after every generated request. */
async function state(): Promise<string> {
  return `${await fingerprint(org.organizationId)} ${await fingerprint(bystander.organizationId)}`;
}

interface Answer {
  status: number;
  text: string;
}

async function send(
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: {
      'x-api-key': org.apiKey,
      ...(body !== undefined && { 'content-type': 'application/json' }),
      ...headers,
    },
    body,
  });
  return { status: response.status, text: await response.text() };
}

/** A REST answer must be one of `allowed`, and an error must carry a message. */
function expectRest(answer: Answer, allowed: number[]): void {
  if (!allowed.includes(answer.status)) {
    throw new Error(`status ${answer.status} (allowed ${allowed.join(', ')}): ${answer.text}`);
  }
  if (answer.status >= 400) {
    const body = JSON.parse(answer.text) as { statusCode: number; message: unknown };
    expect(body.statusCode).toBe(answer.status);
    expect(body.message).toBeTruthy();
  }
}

/** Runs `request` for each generated input, checking the data is unchanged after each one. */
async function holds<T>(input: fc.Arbitrary<T>, request: (value: T) => Promise<void>) {
  const before = await state();
  await fc.assert(
    fc.asyncProperty(input, async (value) => {
      await request(value);
      expect(await state()).toBe(before);
    }),
    settings,
  );
}

// ---- REST -------------------------------------------------------------------------------------

describe('REST: every path refuses malformed input with a 4xx and changes nothing', () => {
  test('GET /api/audience with generated query strings', async () => {
    await holds(hostileQuery, async (query) =>
      expectRest(await send('GET', `/api/audience?${query}`), [200, 400]),
    );
  });

  test('GET /api/audience/:id with generated ids', async () => {
    await holds(hostileId, async (id) =>
      expectRest(await send('GET', `/api/audience/${encodeURIComponent(id)}`), [400, 404]),
    );
  });

  test('GET /api/audience/:id/contacts with generated ids and query strings', async () => {
    const id = fc.oneof(fc.constant(audienceId), fc.constant(foreignAudienceId), hostileId);
    await holds(fc.tuple(id, hostileQuery), async ([id, query]) =>
      expectRest(
        await send('GET', `/api/audience/${encodeURIComponent(id)}/contacts?${query}`),
        id === audienceId ? [200, 400] : [400, 404],
      ),
    );
  });

  /** Bodies that are not a JSON object, or not JSON at all, or try to smuggle fields. */
  const malformedBody = fc.oneof(
    hostileValue
      .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
      .map((value) => JSON.stringify(value) ?? 'null'),
    hostileString.filter((text) => {
      try {
        const parsed: unknown = JSON.parse(text);
        return typeof parsed !== 'object' || parsed === null || Array.isArray(parsed);
      } catch {
        return true;
      }
    }),
    fc.constantFrom(
      '{"name":"Valid name","name":""}',
      '{"name":"Valid name","__proto__":{"name":"x"}}',
      '{"__proto__":{"admin":true},"name":"ab"}',
      '{"constructor":{"prototype":{"polluted":true}},"name":""}',
      '{"name":"Valid name",}',
      '{"name":"Valid name"',
      `{"name":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      '\u0000',
    ),
  );

  test('POST /api/audience with generated invalid bodies', async () => {
    const body = fc.oneof(
      fc
        .record(
          { name: invalidName, description: fc.oneof(hostileValue, invalidDescription) },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc
        .record({ name: fc.constant('Valid name'), description: invalidDescription })
        .map((value) => JSON.stringify(value)),
      malformedBody,
    );
    await holds(body, async (text) =>
      expectRest(await send('POST', '/api/audience', text), [400, 413]),
    );
  });

  test('PUT /api/audience/:id with generated invalid bodies and ids', async () => {
    const body = fc.oneof(
      fc
        // A null name keeps the name: valid here, unlike on creation.
        .record({
          name: invalidName.filter((name) => name !== null),
          description: fc.option(hostileValue, { nil: undefined }),
        })
        .map((value) => JSON.stringify(value)),
      fc
        .record({
          name: fc.option(fc.constant('Valid name'), { nil: undefined }),
          description: fc.oneof(invalidDescription, fc.constant('')),
        })
        .map((value) => JSON.stringify(value)),
      malformedBody,
    );
    const id = fc.oneof(fc.constant(audienceId), fc.constant(foreignAudienceId), hostileId);
    await holds(fc.tuple(id, body), async ([id, text]) =>
      expectRest(
        await send('PUT', `/api/audience/${encodeURIComponent(id)}`, text),
        [400, 404, 413],
      ),
    );
  });

  test('POST /api/audience/:id/add-contacts with generated invalid id lists: nothing is added', async () => {
    const valid = () => fc.subarray(contactIds, { minLength: 0, maxLength: 10 });
    const poison = fc.oneof(
      hostileValue.filter((value) => typeof value !== 'string' || !/^[0-9a-f-]{36}$/i.test(value)),
      fc.uuid(),
      fc.constantFrom(...foreignContactIds),
    );
    const contacts = fc.oneof(
      // Valid ids of the organization with one bad value among them, anywhere.
      fc
        .tuple(valid(), poison, fc.nat())
        .map(([ids, bad, at]) => [
          ...ids.slice(0, at % (ids.length + 1)),
          bad,
          ...ids.slice(at % (ids.length + 1)),
        ]),
      fc.constant([]),
      // One over the limit, all well formed.
      fc.constant(
        Array.from({ length: 10_001 }, (_, index) => contactIds[index % contactIds.length]),
      ),
      hostileValue.filter((value) => !Array.isArray(value)),
    );
    const body = fc.oneof(
      contacts.map((list) => JSON.stringify({ contacts: list })),
      contacts
        .map((list) => JSON.stringify({ contacts: contactIds.slice(0, 3), extra: list }))
        .map((text) => text.replace('"extra"', '"contacts"')),
      malformedBody,
    );
    const id = fc.oneof(
      fc.constant(audienceId),
      fc.constant(audienceId),
      fc.constant(foreignAudienceId),
      hostileId,
    );
    await holds(fc.tuple(id, body), async ([id, text]) =>
      expectRest(
        await send('POST', `/api/audience/${encodeURIComponent(id)}/add-contacts`, text),
        [400, 404, 413],
      ),
    );
  });

  test('DELETE /api/audience/:id with generated ids, another organization’s included', async () => {
    const id = fc.oneof(fc.constant(foreignAudienceId), hostileId);
    await holds(id, async (id) =>
      expectRest(await send('DELETE', `/api/audience/${encodeURIComponent(id)}`), [400, 404]),
    );
  });

  test('every path the OpenAPI lists refuses a query parameter or body field it does not take, and writes nothing', async () => {
    const document = JSON.parse((await send('GET', '/api/openapi.json')).text) as {
      paths: Record<string, Record<string, { parameters?: { name: string; in: string }[] }>>;
    };
    // Each operation with a request it would carry out, were nothing added to it.
    const operations = Object.entries(document.paths).flatMap(([template, methods]) =>
      Object.entries(methods).map(([method, operation]) => {
        const path = template
          .replace(/^\/api\/audience\/\{id\}/, `/api/audience/${audienceId}`)
          .replace(/^\/api\/contacts\/\{id\}/, `/api/contacts/${contactIds[29]}`)
          .replace(/^\/api\/webhooks\/\{id\}/, `/api/webhooks/${webhookId}`)
          .replace('{keyword}', 'HALT');
        const declared = (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name);
        const bodies: Record<string, Record<string, unknown>> = {
          'post /api/audience': { name: 'Valid name' },
          'put /api/audience/{id}': { name: 'Valid name' },
          'post /api/audience/{id}/add-contacts': { contacts: [contactIds[20]] },
          'post /api/audience/{id}/remove-contacts': { contacts: [contactIds[0]] },
          'post /api/contacts': { firstName: 'A', lastName: 'B', primaryPhone: '+15550000001' },
          'put /api/contacts/{id}': { lastName: 'Changed' },
          'post /api/contacts/opt-outs': { channel: 'sms', phones: [contactPhones[0]] },
          'post /api/sms/inbound': { from: contactPhones[0], body: 'STOP' },
          'put /api/sms/keywords/{keyword}': { action: 'OPT_OUT' },
          'post /api/webhooks': {
            url: 'https://93.184.215.14/other',
            events: ['audience.created'],
          },
          'put /api/webhooks/{id}': { description: 'Changed' },
          'post /api/webhooks/{id}/replay': { after: feedStart },
        };
        return {
          method: method.toUpperCase(),
          path,
          declared,
          body: bodies[`${method} ${template}`],
        };
      }),
    );
    expect(operations.length).toBeGreaterThanOrEqual(20);
    const name = fc
      .oneof(
        fc.constantFrom(
          'dryRun',
          'force',
          'limit',
          'onlyIfEmpty',
          '__proto__',
          'constructor',
          'id',
        ),
        fc.string({ minLength: 1, maxLength: 20 }),
      )
      .filter((text) => text.trim() !== '' && !text.includes('\0'));
    const where = fc.constantFrom('query', 'body');
    await holds(
      fc.tuple(fc.constantFrom(...operations), name, where, hostileString, hostileValue),
      async ([operation, field, place, text, value]) => {
        if (place === 'query' && operation.declared.includes(field)) return;
        if (place === 'body' && operation.body && field in operation.body) return;
        // fetch, like most clients, sends no body with a GET (and the service reads none).
        if (place === 'body' && operation.method === 'GET') return;
        const query =
          place === 'query' ? `?${encodeURIComponent(field)}=${encodeURIComponent(text)}` : '';
        const body = place === 'body' ? { ...operation.body, [field]: value } : operation.body;
        // The JSON text is built by hand so that a __proto__ field is sent as a field.
        const json =
          body === undefined
            ? undefined
            : `{${Object.entries(body)
                .map(([key, item]) => `${JSON.stringify(key)}:${JSON.stringify(item) ?? 'null'}`)
                .join(',')}}`;
        const answer = await send(operation.method, `${operation.path}${query}`, json);
        expectRest(answer, [400]);
      },
    );
  });

  test('every path with generated API keys: 401, before anything is read', async () => {
    const key = fc.oneof(
      fc
        .string({ unit: 'grapheme-ascii', maxLength: 200 })
        .map((text) => text.replace(/[^\x21-\x7e]/g, 'x')),
      fc.constant(`${org.apiKey}x`),
      fc.constant(org.apiKey.slice(0, -1)),
      fc.constant(org.apiKey.toUpperCase()),
    );
    const route = fc.constantFrom(
      ['GET', '/api/audience'],
      ['GET', `/api/audience/${audienceId}`],
      ['GET', `/api/audience/${audienceId}/contacts`],
      ['POST', '/api/audience'],
      ['POST', `/api/audience/${audienceId}/add-contacts`],
      ['PUT', `/api/audience/${audienceId}`],
      ['DELETE', `/api/audience/${audienceId}`],
      ['POST', `/api/audience/${audienceId}/remove-contacts`],
      ['GET', '/api/contacts'],
      ['GET', `/api/contacts/${contactIds[0]}`],
      ['GET', `/api/contacts/${contactIds[0]}/audiences`],
      ['POST', '/api/contacts'],
      ['PUT', `/api/contacts/${contactIds[0]}`],
      ['DELETE', `/api/contacts/${contactIds[0]}`],
    );
    await holds(fc.tuple(key, route), async ([apiKey, [method, path]]) =>
      expectRest(
        await send(
          method!,
          path!,
          method === 'POST' || method === 'PUT' ? '{"name":"Valid name","contacts":[]}' : undefined,
          { 'x-api-key': apiKey },
        ),
        [401],
      ),
    );
  });
});

// ---- GraphQL ----------------------------------------------------------------------------------

const ALLOWED_CODES = new Set([
  'BAD_USER_INPUT',
  'NOT_FOUND',
  'GRAPHQL_VALIDATION_FAILED',
  'GRAPHQL_PARSE_FAILED',
]);

/** Posts an operation; every error must carry an allowed code, and a write must fail. */
async function expectGraphQL(
  query: string,
  variables: Record<string, unknown>,
  mustFail: boolean,
  alsoAllowed: string[] = [],
): Promise<void> {
  const answer = await send('POST', '/graphql', JSON.stringify({ query, variables }));
  if (answer.status >= 500) throw new Error(`status ${answer.status}: ${answer.text}`);
  // Refused before GraphQL saw it (a body the JSON parser rejects, such as a __proto__ key).
  if (answer.status >= 400 && !answer.text.includes('"errors"')) return;
  const body = JSON.parse(answer.text) as {
    data?: unknown;
    errors?: { message: string; extensions?: { code?: string } }[];
  };
  for (const error of body.errors ?? []) {
    const code = error.extensions?.code ?? '';
    if (!ALLOWED_CODES.has(code) && !alsoAllowed.includes(code)) {
      throw new Error(`unexpected error code: ${answer.text}`);
    }
  }
  if (mustFail && !body.errors?.length) throw new Error(`accepted: ${answer.text}`);
  if (body.errors?.length && answer.status !== 200) expect([400, 404]).toContain(answer.status);
}

describe('REST: the published OpenAPI schemas say what the service accepts', () => {
  // Every generated body is judged twice: by the body schema the OpenAPI document publishes, and
  // by the service. A 400 must be a body the schema refuses, and a body it accepts must be done
  // (apart from references to things that do not exist, such as unknown contact ids).
  const text = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 80 }),
    fc.string({ unit: 'binary', maxLength: 80 }),
    fc.string({ minLength: 60, maxLength: 70 }),
    fc.string({ minLength: 250, maxLength: 262 }),
    fc.constantFrom(
      'Valid name',
      '   ',
      '\u00a0\u00a0\u00a0',
      '\ufeff\u2003\n',
      `abc${'\ufe0f'.repeat(62)}`,
      `abc${'\ufe0f'.repeat(61)}`,
      'ab\ufe0fc',
      'x\u0000yz',
      '😀😀😀',
      'e\u0301\u0301',
      '',
    ),
  );
  const value = fc.oneof(
    { weight: 6, arbitrary: text },
    fc.constant(null),
    fc.integer(),
    fc.boolean(),
    fc.constant([]),
    fc.constant({}),
  );
  const audienceBody = fc.record(
    { name: value, description: value, extra: value },
    { requiredKeys: [] },
  );
  // Boundaries every run tries, besides the generated bodies.
  const examples: [Record<string, unknown>][] = [
    `abc${'\ufe0f'.repeat(62)}`,
    `abc${'\ufe0f'.repeat(61)}`,
    '😀😀😀',
    '   ',
    'x\u0000yz',
    null,
    'n'.repeat(64),
    'n'.repeat(65),
  ].flatMap((name) => [[{ name }], [{ name: 'Valid name', description: name }]]);

  async function bodySchema(path: string, method: 'post' | 'put') {
    const document = JSON.parse((await send('GET', '/api/openapi.json')).text) as any;
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat('uuid', /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    return ajv.compile(document.paths[path][method].requestBody.content['application/json'].schema);
  }

  async function agree(
    method: string,
    path: string,
    body: unknown,
    valid: (body: unknown) => boolean,
    done: number,
    isReference: (answer: Answer) => boolean = () => false,
  ) {
    const answer = await send(method, path, JSON.stringify(body));
    const expected = valid(body) ? done : 400;
    if (answer.status !== expected && !(answer.status === 400 && isReference(answer))) {
      throw new Error(
        `schema says ${expected}, service ${answer.status} for ${JSON.stringify(body)}: ${answer.text}`,
      );
    }
  }

  test('POST /api/audience', async () => {
    const valid = await bodySchema('/api/audience', 'post');
    await fc.assert(
      fc.asyncProperty(audienceBody, (body) => agree('POST', '/api/audience', body, valid, 201)),
      { ...settings, examples },
    );
  });

  test('PUT /api/audience/:id', async () => {
    const valid = await bodySchema('/api/audience/{id}', 'put');
    const target = (await org.audience('Schema target')).id;
    await fc.assert(
      fc.asyncProperty(audienceBody, (body) =>
        agree('PUT', `/api/audience/${target}`, body, valid, 200),
      ),
      { ...settings, examples },
    );
  });

  // Query parameters: the documented ones only (any other is refused, as each operation's
  // description says), each sent as text. An integer is valid in its plain decimal form.
  async function queryJudge(path: string) {
    const document = JSON.parse((await send('GET', '/api/openapi.json')).text) as any;
    const ajv = new Ajv({ strict: false });
    const parameters = new Map<string, { schema: any; check: (value: unknown) => boolean }>(
      document.paths[path].get.parameters
        .filter((parameter: { in: string }) => parameter.in === 'query')
        .map((parameter: { name: string; schema: object }) => [
          parameter.name,
          { schema: parameter.schema, check: ajv.compile(parameter.schema) },
        ]),
    );
    const judge = (pairs: [string, string][]) => {
      const names = pairs.map(([name]) => name);
      if (new Set(names).size !== names.length) return false;
      return pairs.every(([name, value]) => {
        const parameter = parameters.get(name)!;
        if (parameter.schema.type !== 'integer') return parameter.check(value);
        return /^-?\d+$/.test(value) && parameter.check(Number(value));
      });
    };
    return { names: [...parameters.keys()], judge };
  }

  test.each([
    ['/api/audience', () => '/api/audience'],
    ['/api/audience/{id}/contacts', () => `/api/audience/${audienceId}/contacts`],
  ])('GET %s query parameters', async (documented, path) => {
    const { names, judge } = await queryJudge(documented);
    const queryValue = fc.oneof(
      text,
      fc.integer({ min: -5, max: 105 }).map(String),
      fc.constantFrom(
        '0',
        '1',
        '100',
        '101',
        '007',
        '+5',
        '5.0',
        '1e2',
        '2147483647',
        '2147483648',
      ),
      fc.constantFrom('name', 'createdAt', 'updatedAt', 'firstName', 'lastName', 'primaryPhone'),
      fc.constantFrom('asc', 'desc', 'ASC', ''),
    );
    const pairs = fc.array(fc.tuple(fc.constantFrom(...names), queryValue), { maxLength: 4 });
    await fc.assert(
      fc.asyncProperty(pairs, async (pairs) => {
        const query = new URLSearchParams(pairs).toString();
        const answer = await send('GET', `${path()}?${query}`);
        const expected = judge(pairs) ? 200 : 400;
        if (answer.status !== expected) {
          throw new Error(
            `schema says ${expected}, service ${answer.status} for ?${query}: ${answer.text}`,
          );
        }
      }),
      settings,
    );
  });

  test('POST /api/audience/:id/add-contacts', async () => {
    const valid = await bodySchema('/api/audience/{id}/add-contacts', 'post');
    const target = (await org.audience('Schema members')).id;
    const id = fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...contactIds) },
      fc.constantFrom(...contactIds).map((id) => id.toUpperCase()),
      fc.uuid(),
      value,
    );
    const body = fc.oneof(
      fc.record({ contacts: fc.array(id, { maxLength: 12 }) }),
      fc.record({ contacts: value }),
      fc.record({ contacts: fc.array(id, { maxLength: 3 }), extra: value }),
      fc.constant({}),
    );
    await fc.assert(
      fc.asyncProperty(body, (body) =>
        agree(
          'POST',
          `/api/audience/${target}/add-contacts`,
          body,
          valid,
          200,
          // Well-formed ids that are not the organization's contacts: references, not form.
          (answer) => answer.text.includes('contacts not found in this organization'),
        ),
      ),
      settings,
    );
  });
});

describe('GraphQL: every argument refuses malformed values with a coded error and changes nothing', () => {
  const listArgs = fc.record(
    {
      page: hostileValue,
      limit: hostileValue,
      search: hostileValue,
      sortBy: hostileValue,
      sortOrder: hostileValue,
    },
    { requiredKeys: [] },
  );
  // Variables typed as the schema's own types: the value is coerced (or refused) as a client's is.
  const LIST_VARIABLES =
    '$page: Int, $limit: Int, $search: String, $sortBy: AudienceSortField, $sortOrder: SortOrder';
  const CONTACT_VARIABLES =
    '$page: Int, $limit: Int, $search: String, $sortBy: ContactSortField, $sortOrder: SortOrder';
  const LIST_ARGS =
    'page: $page, limit: $limit, search: $search, sortBy: $sortBy, sortOrder: $sortOrder';

  test.each([
    ['audiences', LIST_VARIABLES],
    ['contacts', CONTACT_VARIABLES],
  ])('%s(page, limit, search, sortBy, sortOrder)', async (field, variableTypes) => {
    await holds(listArgs, (variables) =>
      expectGraphQL(
        `query(${variableTypes}) { ${field}(${LIST_ARGS}) { data { id } meta { total } } }`,
        variables,
        false,
      ),
    );
  });

  test('audience(id) and its contacts(page, limit, search, sortBy, sortOrder)', async () => {
    const id = fc.oneof(fc.constant(audienceId), fc.constant(foreignAudienceId), hostileValue);
    await holds(fc.tuple(id, listArgs), ([id, args]) =>
      expectGraphQL(
        `query($id: ID!, ${CONTACT_VARIABLES}) { audience(id: $id) { id contacts(${LIST_ARGS}) { data { id } meta { total } } } }`,
        { id, ...args },
        false,
      ),
    );
  });

  test('audience(id).contactsConnection(first, after, search, sortBy, sortOrder)', async () => {
    const args = fc.record(
      {
        first: hostileValue,
        after: hostileValue,
        search: fc.oneof(hostileString, hostileValue),
        sortBy: hostileValue,
        sortOrder: hostileValue,
      },
      { requiredKeys: [] },
    );
    await holds(args, (variables) =>
      expectGraphQL(
        `query($id: ID!, $first: Int, $after: String, $search: String, $sortBy: ContactSortField, $sortOrder: SortOrder) { audience(id: $id) { contactsConnection(first: $first, after: $after, search: $search, sortBy: $sortBy, sortOrder: $sortOrder) { edges { cursor } totalCount } } }`,
        { id: audienceId, ...variables },
        false,
      ),
    );
  });

  test('generated strings written into the operation itself as literals', async () => {
    await holds(hostileString, (text) =>
      expectGraphQL(`{ audiences(search: ${JSON.stringify(text)}) { meta { total } } }`, {}, false),
    );
  });

  test('createAudience(input) with invalid inputs', async () => {
    const input = fc.oneof(
      fc.record({ name: invalidName, description: fc.option(hostileValue, { nil: undefined }) }),
      fc.record({ name: fc.constant('Valid name'), description: invalidDescription }),
      hostileValue,
    );
    await holds(input, (input) =>
      expectGraphQL(
        'mutation($input: CreateAudienceInput!) { createAudience(input: $input) { id } }',
        { input },
        true,
      ),
    );
  });

  test('updateAudience(id, input) with invalid inputs and ids', async () => {
    const id = fc.oneof(fc.constant(audienceId), fc.constant(foreignAudienceId), hostileValue);
    const input = fc.oneof(
      fc.record({ name: invalidName }),
      fc.record({ description: fc.oneof(invalidDescription, fc.constant('')) }),
      hostileValue,
    );
    await holds(fc.tuple(id, input), ([id, input]) =>
      expectGraphQL(
        'mutation($id: ID!, $input: UpdateAudienceInput!) { updateAudience(id: $id, input: $input) { id } }',
        { id, input },
        // An empty input is a valid no-op; the unchanged data is what is checked.
        false,
      ),
    );
  });

  test('deleteAudience(id) with generated ids, another organization’s included', async () => {
    const id = fc.oneof(fc.constant(foreignAudienceId), hostileValue);
    await holds(id, (id) =>
      expectGraphQL('mutation($id: ID!) { deleteAudience(id: $id) { id } }', { id }, true),
    );
  });

  test('addContactsToAudience(id, contacts) with a bad id among good ones: nothing is added', async () => {
    const poison = fc.oneof(hostileValue, fc.uuid(), fc.constantFrom(...foreignContactIds));
    const contacts = fc.oneof(
      fc
        .tuple(fc.subarray(contactIds, { maxLength: 10 }), poison)
        .map(([ids, bad]) => [...ids, bad])
        .filter((list) =>
          list.some((value) => typeof value !== 'string' || !contactIds.includes(value)),
        ),
      fc.constant([]),
      fc.constant(
        Array.from({ length: 10_001 }, (_, index) => contactIds[index % contactIds.length]),
      ),
      hostileValue.filter((value) => !Array.isArray(value) && typeof value !== 'string'),
    );
    const id = fc.oneof(fc.constant(audienceId), fc.constant(foreignAudienceId), hostileValue);
    await holds(fc.tuple(id, contacts), ([id, contacts]) =>
      expectGraphQL(
        'mutation($id: ID!, $contacts: [ID!]!) { addContactsToAudience(id: $id, contacts: $contacts) }',
        { id, contacts },
        true,
      ),
    );
  });

  test('createContacts(input) with one invalid contact among valid ones: none is created', async () => {
    const validContact = fc.record({
      firstName: fc.constant('Ada'),
      lastName: fc.constant('Lovelace'),
      primaryPhone: fc.integer({ min: 1_000_000_000, max: 9_999_999_999 }).map((n) => `+1${n}`),
    });
    const invalidContact = fc.oneof(
      fc.record({
        firstName: fc.oneof(
          fc.constant(''),
          fc.string({ minLength: 101, maxLength: 300 }),
          hostileValue.filter((v) => typeof v !== 'string'),
        ),
        lastName: fc.constant('Roe'),
        primaryPhone: fc.constant('+15550000000'),
      }),
      fc.record({
        firstName: fc.constant('Jo'),
        lastName: fc.constant('Roe'),
        primaryPhone: fc.oneof(
          hostileString.filter((s) => !/^\+[1-9]\d{1,14}$/.test(s)),
          hostileValue.filter((v) => typeof v !== 'string'),
        ),
      }),
      fc.record({
        firstName: fc.constant('Jo'),
        lastName: fc.constant('Roe'),
        primaryPhone: fc.constant('+15550000000'),
        primaryEmail: hostileString.filter((s) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)),
      }),
      hostileValue,
    );
    const input = fc.oneof(
      fc
        .tuple(fc.array(validContact, { maxLength: 5 }), invalidContact)
        .map(([valid, bad]) => [...valid, bad]),
      fc.constant([]),
      fc.constant(
        Array.from({ length: 1001 }, (_, index) => ({
          firstName: 'A',
          lastName: 'B',
          primaryPhone: `+1555${String(index).padStart(7, '0')}`,
        })),
      ),
    );
    await holds(input, (input) =>
      expectGraphQL(
        'mutation($input: [CreateContactInput!]!) { createContacts(input: $input) { id } }',
        { input },
        true,
      ),
    );
  });

  test('mutations whose answers select members with generated arguments: "error and no data" means no change', async () => {
    // The root field's arguments are valid; what its answer selects may not be. Either the
    // mutation is refused whole, with nothing written, or it is done and the answer says so.
    const nested = fc.record(
      {
        page: hostileValue,
        limit: hostileValue,
        search: fc.oneof(hostileString, hostileValue),
        first: hostileValue,
        after: fc.oneof(hostileString, hostileValue),
      },
      { requiredKeys: [] },
    );
    const root = fc.constantFrom('create', 'update', 'delete');
    const SELECTION =
      'id contacts(page: $page, limit: $limit, search: $search) { meta { total } } contactsConnection(first: $first, after: $after) { totalCount }';
    const VARIABLES = '$page: Int, $limit: Int, $search: String, $first: Int, $after: String';
    let made = 0;
    await fc.assert(
      fc.asyncProperty(root, nested, async (kind, variables) => {
        const target = (await org.audience(`Nested target ${(made += 1)}`)).id;
        const name = `Nested probe ${made}`;
        const query = {
          create: `mutation(${VARIABLES}) { createAudience(input: { name: "${name}" }) { ${SELECTION} } }`,
          update: `mutation(${VARIABLES}, $id: ID!) { updateAudience(id: $id, input: { name: "${name}" }) { ${SELECTION} } }`,
          delete: `mutation(${VARIABLES}, $id: ID!) { deleteAudience(id: $id) { ${SELECTION} } }`,
        }[kind];
        const before = await state();
        const answer = await send(
          'POST',
          '/graphql',
          JSON.stringify({ query, variables: { ...variables, id: target } }),
        );
        if (answer.status >= 500) throw new Error(`status ${answer.status}: ${answer.text}`);
        if (answer.status >= 400 && !answer.text.includes('"errors"')) return;
        const body = JSON.parse(answer.text) as { data?: Record<string, { id: string }> | null };
        if (body.data === null || body.data === undefined) {
          expect(await state()).toBe(before);
        } else {
          // Done, and the answer carries what was written.
          const written = Object.values(body.data)[0]!;
          expect(written.id).toBe(kind === 'create' ? expect.any(String) : target);
          const row = await server.db('audience').where({ id: written.id }).first();
          if (kind === 'delete') expect(row.deleted_at).not.toBeNull();
          else expect(row.name).toBe(name);
        }
      }),
      settings,
    );
  });

  test('_entities(representations) with generated representations', async () => {
    const representation = fc.oneof(
      fc.record(
        {
          __typename: fc.oneof(fc.constantFrom('Audience', 'Contact'), hostileValue),
          id: fc.oneof(
            fc.constantFrom(audienceId, foreignAudienceId, ...contactIds, ...foreignContactIds),
            hostileValue,
          ),
        },
        { requiredKeys: [] },
      ),
      hostileValue,
    );
    await holds(fc.array(representation, { maxLength: 5 }), (representations) =>
      expectGraphQL(
        'query($r: [_Any!]!) { _entities(representations: $r) { ... on Audience { name } ... on Contact { firstName } } }',
        { r: representations },
        false,
      ),
    );
  });

  test('generated request bodies on POST /graphql', async () => {
    const body = fc.oneof(
      hostileValue.map((value) => JSON.stringify(value) ?? 'null'),
      fc
        .record(
          { query: hostileValue, variables: hostileValue, operationName: hostileValue },
          { requiredKeys: [] },
        )
        .map((value) => JSON.stringify(value)),
      fc
        .record({
          query: fc.constant('query($id: ID!) { audience(id: $id) { id } }'),
          variables: hostileValue,
          extensions: hostileValue,
        })
        .map((value) => JSON.stringify(value)),
      hostileString,
    );
    await holds(body, async (text) => {
      const answer = await send('POST', '/graphql', text);
      if (answer.status >= 500) throw new Error(`status ${answer.status}: ${answer.text}`);
    });
  });
});

// ---- Contacts ---------------------------------------------------------------------------------

describe('contacts: every path and argument refuses malformed input and changes nothing', () => {
  /** Bodies that are not a JSON object, or not JSON at all. */
  const malformedBodies = fc.oneof(
    hostileValue
      .filter((value) => typeof value !== 'object' || value === null || Array.isArray(value))
      .map((value) => JSON.stringify(value) ?? 'null'),
    fc.constantFrom('{"firstName":"Ada",}', '{"firstName":', '\u0000', '[{}]'),
  );
  /**
   * A contact field that is never valid (names 1–100 characters and not blank, E.164 phones,
   * e-mails, no other field), or a phone one of the organization's contacts has.
   */
  const invalidField = () =>
    fc.oneof(
      fc.record({
        firstName: fc.oneof(
          fc.constantFrom('', '   ', 'x\u0000y'),
          fc.string({ minLength: 101, maxLength: 300 }),
          hostileValue.filter((v) => typeof v !== 'string' && v !== null),
        ),
      }),
      fc.record({
        lastName: fc.oneof(
          fc.constantFrom('', '\t\n'),
          hostileValue.filter((v) => typeof v !== 'string' && v !== null),
        ),
      }),
      fc.record({
        primaryPhone: fc.oneof(
          hostileString.filter((s) => !/^\+[1-9]\d{1,14}$/.test(s)),
          fc.constantFrom('+0123', '+1', '1234567890', '+1234567890123456'),
        ),
      }),
      fc.record({
        primaryEmail: hostileString.filter((s) => !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(s)),
      }),
      fc.record({ primaryPhone: fc.constantFrom(...contactPhones) }),
      fc.record({ organizationId: fc.constant(bystander.organizationId) }),
    );
  const validBase = fc.record({
    firstName: fc.constant('Ada'),
    lastName: fc.constant('Lovelace'),
    primaryPhone: fc.integer({ min: 1_000_000_000, max: 9_999_999_999 }).map((n) => `+4${n}`),
  });
  const invalidContact = () =>
    fc
      .tuple(validBase, invalidField())
      .map(([base, bad]) => ({ ...base, ...bad }) as Record<string, unknown>);
  const contactId = () =>
    fc.oneof(fc.constantFrom(...contactIds), fc.constantFrom(...foreignContactIds), hostileId);

  test('GET /api/contacts, /api/contacts/:id and /api/contacts/:id/audiences with generated ids and queries', async () => {
    await holds(fc.tuple(contactId(), hostileQuery), async ([id, query]) => {
      expectRest(await send('GET', `/api/contacts?${query}`), [200, 400]);
      const own = contactIds.includes(id);
      const path = `/api/contacts/${encodeURIComponent(id)}`;
      expectRest(await send('GET', path), own ? [200] : [400, 404]);
      expectRest(await send('GET', `${path}/audiences?${query}`), own ? [200, 400] : [400, 404]);
    });
  });

  test('POST /api/contacts with invalid or taken contacts: 400 or 409, nothing created', async () => {
    const body = fc.oneof(
      invalidContact().map((value) => JSON.stringify(value)),
      malformedBodies,
    );
    await holds(body, async (text) =>
      expectRest(await send('POST', '/api/contacts', text), [400, 409, 413]),
    );
  });

  test('PUT /api/contacts/:id with invalid changes and ids: nothing changes', async () => {
    const changes = invalidField().map((value) => JSON.stringify(value));
    await holds(fc.tuple(contactId(), fc.oneof(changes, malformedBodies)), async ([id, text]) => {
      const answer = await send('PUT', `/api/contacts/${encodeURIComponent(id)}`, text);
      // A contact's own phone is no change at all.
      if (answer.status === 200) {
        expect(JSON.parse(text)).toEqual({ primaryPhone: expect.any(String) });
        return;
      }
      expectRest(answer, [400, 404, 409, 413]);
    });
  });

  test('DELETE /api/contacts/:id with generated ids, another organization’s included', async () => {
    const id = fc.oneof(fc.constantFrom(...foreignContactIds), hostileId);
    await holds(id, async (id) =>
      expectRest(await send('DELETE', `/api/contacts/${encodeURIComponent(id)}`), [400, 404]),
    );
  });

  test('updateContact, deleteContact and Contact.audiences with generated arguments', async () => {
    const id = fc.oneof(contactId(), hostileValue);
    const listArgs = fc.record(
      { page: hostileValue, limit: hostileValue, sortBy: hostileValue, sortOrder: hostileValue },
      { requiredKeys: [] },
    );
    await holds(fc.tuple(id, invalidField(), listArgs), async ([id, input, args]) => {
      await expectGraphQL(
        'mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { id } }',
        { id, input },
        // A contact's own phone is no change; the unchanged data is what is checked.
        false,
        ['CONFLICT'],
      );
      if (!contactIds.includes(id as string)) {
        await expectGraphQL('mutation($id: ID!) { deleteContact(id: $id) { id } }', { id }, true);
      }
      await expectGraphQL(
        'query($id: ID!, $page: Int, $limit: Int, $sortBy: AudienceSortField, $sortOrder: SortOrder) { contact(id: $id) { audiences(page: $page, limit: $limit, sortBy: $sortBy, sortOrder: $sortOrder) { meta { total } } } }',
        { id, ...args },
        false,
      );
    });
  });

  test('the OpenAPI body schemas of POST /api/contacts and PUT /api/contacts/:id say what the service accepts', async () => {
    const document = JSON.parse((await send('GET', '/api/openapi.json')).text) as any;
    // The formats as a client's validator reads them (ajv-formats), not as the service does.
    const ajv = addFormats(new Ajv({ strict: false, allErrors: true }));
    const schemaOf = (path: string, method: string) =>
      ajv.compile(document.paths[path][method].requestBody.content['application/json'].schema);
    const validCreate = schemaOf('/api/contacts', 'post');
    const validUpdate = schemaOf('/api/contacts/{id}', 'put');
    const target = (await org.contacts(1))[0]!.id;
    // The addresses an external fuzzer found the schema and the service disagreeing on, and their
    // neighbours: the published pattern must say what the service does with each.
    const addresses = [
      '0@com',
      'user@localhost',
      'user@[127.0.0.1]',
      'joé@exämple.de',
      '😀@example.com',
      'a..b@example.com',
      'x@x.xn--p1ai',
      "o'neil+tag@mail.example.co.uk",
      `${'a'.repeat(65)}@example.com`,
    ];
    const value = fc.oneof(
      { weight: 4, arbitrary: fc.string({ unit: 'grapheme', maxLength: 120 }) },
      fc.constantFrom('', '   ', 'x\u0000y', 'a@b.co', 'not-mail', '+15550001111', '+0', '😀'),
      fc.constantFrom(...addresses),
      fc.emailAddress(),
      fc.integer().map((n) => `+1${Math.abs(n)}`),
      fc.constant(null),
      fc.integer(),
      fc.boolean(),
    );
    const body = fc.record(
      { firstName: value, lastName: value, primaryPhone: value, primaryEmail: value, extra: value },
      { requiredKeys: [] },
    );
    const cleanUp = async (answer: Answer) => {
      if (answer.status === 201) {
        await server
          .db('contact')
          .where({ id: JSON.parse(answer.text).id })
          .delete();
      }
    };
    await fc.assert(
      fc.asyncProperty(body, async (body) => {
        for (const [method, path, valid, done] of [
          ['POST', '/api/contacts', validCreate, 201],
          ['PUT', `/api/contacts/${target}`, validUpdate, 200],
        ] as const) {
          const answer = await send(method, path, JSON.stringify(body));
          await cleanUp(answer);
          // A well-formed phone another contact has: a reference, not form (409).
          const expected = valid(body) ? [done, 409] : [400];
          if (!expected.includes(answer.status)) {
            throw new Error(
              `schema says ${expected.join(' or ')}, service ${answer.status} for ${method} ${JSON.stringify(body)}: ${answer.text}`,
            );
          }
        }
      }),
      {
        ...settings,
        // Every run tries each of those addresses in a body otherwise valid.
        examples: addresses.map((primaryEmail, index): [ValueOf<typeof body>] => [
          {
            firstName: 'Ada',
            lastName: 'Lovelace',
            primaryPhone: `+4477009${String(index).padStart(5, '0')}`,
            primaryEmail,
          },
        ]),
      },
    );
  });
});

describe('consent: every path and argument refuses malformed input and changes nothing', () => {
  const asText = (value: unknown) =>
    typeof value === 'string' ? value : (JSON.stringify(value) ?? '');
  const STATUSES = ['SUBSCRIBED', 'UNSUBSCRIBED', 'NEVER_SUBSCRIBED'];
  /** Never a consent status: anything but the three, in any case or type. */
  const badStatus = fc.oneof(
    hostileValue.filter((value) => !STATUSES.includes(value as string) && value !== null),
    fc.constantFrom('subscribed', 'Subscribed', 'SUBSCRIBED ', 'OPTED_IN', ''),
  );
  /** Never an E.164 phone, however it is spaced. */
  const badPhone = fc.oneof(
    hostileValue.filter((value) => typeof value !== 'string' || !/^[+\d][\d\s.()-]*$/.test(value)),
    fc.constantFrom('+0123', '+1', '1234567890', '+1234567890123456', '++15550001', '+1 555\u0000'),
  );
  /** Never a keyword: not one word of letters or digits, or longer than 32. */
  const badKeyword = fc.oneof(
    hostileString.filter((value) => !/^\s*[\p{L}\p{N}]{1,32}\s*$/u.test(value)),
    fc.constantFrom('ST OP', 'STOP\u0000', 'STOP\u0007', '\u202eSTOP', 'x'.repeat(33), 'STOP!'),
  );

  test('GET /api/contacts and audience contacts with generated consent filters: 400', async () => {
    await holds(
      fc.tuple(badStatus, fc.constantFrom('smsConsent', 'emailConsent')),
      async ([value, name]) => {
        const query = `${name}=${encodeURIComponent(typeof value === 'string' ? value : JSON.stringify(value))}`;
        expectRest(await send('GET', `/api/contacts?${query}`), [400]);
        expectRest(await send('GET', `/api/audience/${audienceId}/contacts?${query}`), [400]);
      },
    );
  });

  test('POST and PUT /api/contacts with generated consents: 400, nothing written', async () => {
    const body = fc.oneof(
      fc.record({ smsConsent: badStatus }),
      fc.record({ emailConsent: badStatus }),
      fc.record({ smsConsent: fc.constant('SUBSCRIBED'), emailConsent: badStatus }),
    );
    await holds(body, async (consent) => {
      const created = {
        firstName: 'Ada',
        lastName: 'Lovelace',
        primaryPhone: '+15559990002',
        primaryEmail: 'ada@example.com',
        ...consent,
      };
      expectRest(await send('POST', '/api/contacts', JSON.stringify(created)), [400]);
      const path = `/api/contacts/${contactIds[3]}`;
      expectRest(await send('PUT', path, JSON.stringify(consent)), [400]);
    });
  });

  test('emailConsent SUBSCRIBED without an e-mail address: 400 on both doors, nothing written', async () => {
    await holds(fc.constantFrom(...contactIds), async (id) => {
      expectRest(await send('PUT', `/api/contacts/${id}`, '{"emailConsent":"SUBSCRIBED"}'), [400]);
      await expectGraphQL(
        'mutation($id: ID!) { updateContact(id: $id, input: { emailConsent: SUBSCRIBED }) { id } }',
        { id },
        true,
      );
    });
  });

  test('POST /api/contacts/opt-outs with generated bodies: 400 or 413, nothing unsubscribed', async () => {
    const body = fc.oneof(
      fc
        .record({
          channel: fc.constant('sms'),
          phones: fc.array(badPhone, { minLength: 1, maxLength: 5 }),
        })
        .map(({ channel, phones }) => ({ channel, phones: [contactPhones[1], ...phones] })),
      fc.record({
        channel: hostileValue.filter((v) => v !== 'sms' && v !== 'email'),
        phones: fc.constant([contactPhones[1]]),
      }),
      fc.record({
        channel: fc.constant('sms'),
        phones: hostileValue.filter((v) => !Array.isArray(v) || v.length === 0),
      }),
      fc.record({
        channel: fc.constantFrom('SMS', 'Email', ''),
        phones: fc.constant([contactPhones[1]]),
      }),
    );
    await holds(body, async (value) =>
      expectRest(await send('POST', '/api/contacts/opt-outs', JSON.stringify(value)), [400]),
    );
  });

  test('POST /api/contacts/imports with generated files: 202 and a job that fails, or 400; nothing written', async () => {
    const header = 'firstName,lastName,primaryPhone,primaryEmail';
    // Bytes of every kind, text that is almost a file, and NDJSON lines that are almost contacts.
    const file = fc.oneof(
      fc
        .uint8Array({ maxLength: 400 })
        .map((bytes) => ({ type: 'text/csv', body: Buffer.from(bytes) })),
      fc
        .array(hostileString, { minLength: 1, maxLength: 5 })
        .map((lines) => ({ type: 'text/csv', body: Buffer.from([header, ...lines].join('\n')) })),
      fc
        .array(
          fc.oneof(
            hostileString,
            hostileValue.map((value) => JSON.stringify(value) ?? 'null'),
          ),
          {
            minLength: 1,
            maxLength: 5,
          },
        )
        .map((lines) => ({ type: 'application/x-ndjson', body: Buffer.from(lines.join('\n')) })),
      fc
        .record({
          firstName: hostileValue,
          lastName: fc.constant('Row'),
          primaryPhone: fc.oneof(badPhone, fc.constant(contactPhones[2])),
        })
        .map((row) => ({ type: 'application/x-ndjson', body: Buffer.from(JSON.stringify(row)) })),
    );
    await holds(file, async ({ type, body }) => {
      const response = await fetch(`${server.url}/api/contacts/imports`, {
        method: 'POST',
        headers: { 'x-api-key': org.apiKey, 'content-type': type },
        body,
      });
      const answer = { status: response.status, text: await response.text() };
      expectRest(answer, [202, 400]);
      if (answer.status !== 202) return;
      const { id } = JSON.parse(answer.text) as { id: string };
      let job: { status: string; problems: unknown[]; reason: string | null };
      const began = Date.now();
      do {
        await new Promise((resolve) => setTimeout(resolve, 10));
        job = JSON.parse((await send('GET', `/api/contacts/imports/${id}`)).text);
        if (Date.now() - began > 5000)
          throw new Error(
            `stuck: ${JSON.stringify(job)} for ${type} ${JSON.stringify(body.toString('latin1'))}`,
          );
      } while (job.status === 'queued' || job.status === 'running');
      // Not one of these files is a whole valid import: each fails, saying why.
      expect(job.status).toBe('failed');
      expect(job.problems.length > 0 || job.reason !== null).toBe(true);
    });
  });

  test('an opt-out list of 100,001 phones: 400 naming the limit, nothing unsubscribed', async () => {
    const before = await state();
    const phones = Array.from(
      { length: 100_001 },
      (_, index) => `+1555${String(index).padStart(7, '0')}`,
    );
    phones[0] = contactPhones[2]!;
    const answer = await send(
      'POST',
      '/api/contacts/opt-outs',
      JSON.stringify({ channel: 'sms', phones }),
    );
    expectRest(answer, [400]);
    expect(answer.text).toMatch(/phones must hold 1 to 100,000 phones, got 100,001/);
    const graphql = await send(
      'POST',
      '/graphql',
      JSON.stringify({
        query:
          'mutation($phones: [String!]!) { recordOptOuts(channel: SMS, phones: $phones) { unsubscribed } }',
        variables: { phones },
      }),
    );
    expect(graphql.text).toMatch(/BAD_USER_INPUT/);
    // A body past the path's 4 MiB: refused before it is read whole.
    const huge = await send(
      'POST',
      '/api/contacts/opt-outs',
      JSON.stringify({ channel: 'sms', phones: ['+'.padEnd(5 * 1024 * 1024, '1')] }),
    );
    expectRest(huge, [413]);
    expect(await state()).toBe(before);
  });

  test('POST /api/sms/inbound with generated messages and phones: 200 unmatched or 4xx, nothing changed', async () => {
    const message = fc.record({
      from: fc.oneof(badPhone, fc.constant(contactPhones[4]!), fc.constant('+15550000000')),
      body: fc.oneof(
        hostileValue,
        badKeyword,
        fc.constantFrom('STOP please', 'S T O P', 'stop.', ''),
      ),
    });
    const asForm = fc.boolean();
    await holds(fc.tuple(message, asForm), async ([value, form]) => {
      const answer = form
        ? await send(
            'POST',
            '/api/sms/inbound',
            new URLSearchParams({ From: asText(value.from), Body: asText(value.body) }).toString(),
            { 'content-type': 'application/x-www-form-urlencoded' },
          )
        : await send('POST', '/api/sms/inbound', JSON.stringify(value));
      expectRest(answer, [200, 400, 413]);
      if (answer.status === 200) expect(JSON.parse(answer.text)).toMatchObject({ matched: false });
    });
    // A huge message, and a form field sent twice.
    expectRest(
      await send(
        'POST',
        '/api/sms/inbound',
        JSON.stringify({ from: contactPhones[4], body: 'STOP'.repeat(50_000) }),
      ),
      [413],
    );
    expectRest(
      await send(
        'POST',
        '/api/sms/inbound',
        `From=${encodeURIComponent(contactPhones[4]!)}&Body=STOP&Body=START`,
        { 'content-type': 'application/x-www-form-urlencoded' },
      ),
      [400],
    );
  });

  test('SMS keywords with generated words: 400, nothing written; built-in ones cannot change', async () => {
    await holds(
      fc.tuple(badKeyword, fc.constantFrom('OPT_OUT', 'OPT_IN')),
      async ([keyword, action]) => {
        const path = `/api/sms/keywords/${encodeURIComponent(keyword)}`;
        expectRest(await send('PUT', path, JSON.stringify({ action })), [400, 404]);
        expectRest(await send('DELETE', path), [400, 404]);
        await expectGraphQL(
          'mutation($keyword: String!, $action: SmsKeywordAction!) { setSmsKeyword(input: { keyword: $keyword, action: $action }) { keyword } }',
          { keyword, action },
          true,
        );
      },
    );
    for (const keyword of ['STOP', 'start', 'Arret']) {
      expectRest(await send('PUT', `/api/sms/keywords/${keyword}`, '{"action":"OPT_IN"}'), [400]);
      expectRest(await send('DELETE', `/api/sms/keywords/${keyword}`), [400]);
    }
    expectRest(
      await send('PUT', '/api/sms/keywords/HALT', JSON.stringify({ action: 'STOP' })),
      [400],
    );
  });

  test('GraphQL consent arguments with generated values: coded errors, nothing changed', async () => {
    await holds(fc.tuple(badStatus, hostileValue, hostileValue), async ([status, first, after]) => {
      await expectGraphQL(
        'query($status: ConsentStatus) { contacts(smsConsent: $status) { meta { total } } }',
        { status },
        true,
      );
      await expectGraphQL(
        'query($id: ID!, $status: ConsentStatus) { audience(id: $id) { contactsConnection(emailConsent: $status) { totalCount } } }',
        { id: audienceId, status },
        true,
      );
      await expectGraphQL(
        'query($id: ID!, $first: Int, $after: String) { contact(id: $id) { consentHistory(first: $first, after: $after) { totalCount } } }',
        { id: contactIds[5], first, after },
        false,
      );
      await expectGraphQL(
        'mutation($status: ConsentStatus) { createContacts(input: [{ firstName: "A", lastName: "B", primaryPhone: "+15559990001", smsConsent: $status }]) { id } }',
        { status },
        true,
      );
      await expectGraphQL(
        'mutation($channel: ConsentChannel!, $phones: [String!]!) { recordOptOuts(channel: $channel, phones: $phones) { unsubscribed } }',
        { channel: status, phones: [contactPhones[6]] },
        true,
      );
    });
  });
});
