import SwaggerParser from '@apidevtools/swagger-parser';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv from 'ajv';
import type { GraphQLObjectType } from 'graphql';
import {
  AUDIENCE_LIST_RESPONSE_SCHEMA,
  AUDIENCE_RESPONSE_SCHEMA,
} from '../src/audience/audience.schemas';
import { Audience } from '../src/audience/audience.type';
import type { JsonSchema } from '../src/common/json-schema';
import { outputSchema } from '../src/common/rest/output-schema';
import { CONTACT_SCHEMA } from '../src/contact/contact.schemas';
import { Contact } from '../src/contact/contact.type';
import { buildGraphQLSchema } from '../src/graphql/schema';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

// Every path can answer 400 (it refuses what it does not take), 401, 429 and 503.
const ANY = ['400', '401', '429', '503'];
const statuses = (...specific: string[]) => [...ANY, ...specific].sort();
const DOCUMENTED: Record<string, Record<string, string[]>> = {
  '/api/audience': { get: statuses('200'), post: statuses('201', '413') },
  '/api/audience/{id}': {
    get: statuses('200', '404'),
    put: statuses('200', '404', '413'),
    delete: statuses('200', '404'),
  },
  '/api/audience/{id}/contacts': { get: statuses('200', '404') },
  '/api/audience/{id}/add-contacts': { post: statuses('200', '404', '413') },
  '/api/audience/{id}/remove-contacts': { post: statuses('200', '404', '413') },
  '/api/contacts': {
    get: statuses('200'),
    post: statuses('201', '409', '413'),
  },
  '/api/contacts/{id}': {
    get: statuses('200', '404'),
    put: statuses('200', '404', '409', '413'),
    delete: statuses('200', '404'),
  },
  '/api/contacts/{id}/audiences': { get: statuses('200', '404') },
  '/api/contacts/{id}/consent-history': { get: statuses('200', '404') },
  '/api/contacts/opt-outs': { post: statuses('200', '413') },
  '/api/contacts/imports': { get: statuses('200'), post: statuses('202', '404', '409', '413') },
  '/api/contacts/imports/{id}': { get: statuses('200', '404') },
  '/api/contacts/export': { get: statuses('200') },
  '/api/audience/{id}/contacts/export': { get: statuses('200', '404') },
  '/api/sms/inbound': { post: statuses('200', '413') },
  '/api/sms/keywords': { get: statuses('200') },
  '/api/events': { get: statuses('200', '410') },
  '/api/webhooks': { get: statuses('200'), post: statuses('201', '409', '413') },
  '/api/webhooks/{id}': {
    get: statuses('200', '404'),
    put: statuses('200', '404', '410', '413'),
    delete: statuses('200', '404'),
  },
  '/api/webhooks/{id}/deliveries': { get: statuses('200', '404') },
  '/api/webhooks/{id}/replay': { post: statuses('200', '404', '410', '413') },
  '/api/sms/keywords/{keyword}': {
    put: statuses('200', '413'),
    delete: statuses('200', '404'),
  },
};

// The operationIds a generated client names its methods by: stable, so that its users' code is.
const OPERATION_IDS: Record<string, string> = {
  'get /api/audience': 'listAudiences',
  'post /api/audience': 'createAudience',
  'get /api/audience/{id}': 'getAudience',
  'put /api/audience/{id}': 'updateAudience',
  'delete /api/audience/{id}': 'deleteAudience',
  'get /api/audience/{id}/contacts': 'listAudienceContacts',
  'post /api/audience/{id}/add-contacts': 'addContactsToAudience',
  'post /api/audience/{id}/remove-contacts': 'removeContactsFromAudience',
  'get /api/contacts': 'listContacts',
  'post /api/contacts': 'createContact',
  'get /api/contacts/{id}': 'getContact',
  'put /api/contacts/{id}': 'updateContact',
  'delete /api/contacts/{id}': 'deleteContact',
  'get /api/contacts/{id}/audiences': 'listContactAudiences',
  'get /api/contacts/{id}/consent-history': 'listContactConsentHistory',
  'post /api/contacts/opt-outs': 'recordOptOuts',
  'post /api/contacts/imports': 'startContactImport',
  'get /api/contacts/imports': 'listContactImports',
  'get /api/contacts/imports/{id}': 'getContactImport',
  'get /api/contacts/export': 'exportContacts',
  'get /api/audience/{id}/contacts/export': 'exportAudienceContacts',
  'post /api/sms/inbound': 'receiveInboundSms',
  'get /api/sms/keywords': 'listSmsKeywords',
  'put /api/sms/keywords/{keyword}': 'setSmsKeyword',
  'delete /api/sms/keywords/{keyword}': 'deleteSmsKeyword',
  'get /api/events': 'listEvents',
  'get /api/webhooks': 'listWebhooks',
  'post /api/webhooks': 'createWebhook',
  'get /api/webhooks/{id}': 'getWebhook',
  'put /api/webhooks/{id}': 'updateWebhook',
  'delete /api/webhooks/{id}': 'deleteWebhook',
  'get /api/webhooks/{id}/deliveries': 'listWebhookDeliveries',
  'post /api/webhooks/{id}/replay': 'replayWebhook',
};

test('every operation has its stable operationId, a declared tag and a description; servers is set', async () => {
  const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
  const declaredTags = document.tags.map((tag: { name: string }) => tag.name);
  const found: Record<string, string> = {};
  for (const [path, methods] of Object.entries<Record<string, any>>(document.paths)) {
    for (const [method, operation] of Object.entries<any>(methods)) {
      found[`${method} ${path}`] = operation.operationId;
      for (const tag of operation.tags) expect(declaredTags).toContain(tag);
      expect(operation.description).toEqual(expect.any(String));
      expect(operation.responses['429'].headers['Retry-After']).toBeDefined();
    }
  }
  expect(found).toEqual(OPERATION_IDS);
  expect(document.servers).toEqual([{ url: '/', description: expect.any(String) }]);
});

test('Redocly’s recommended rules and Spectral’s spectral:oas find nothing but the missing licence and contact', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await writeFile(file, await (await fetch(`${server.url}/api/openapi.json`)).text());
    const { stdout } = await promisify(execFile)(process.execPath, [
      path.join(__dirname, 'support', 'lint-openapi.mjs'),
      file,
    ]);
    const problems = JSON.parse(stdout) as { tool: string; rule: string; severity: string }[];
    // A private service: no licence or contact to state.
    const accepted = new Set(['info-license', 'info-contact', 'license-url']);
    // The issue's own paths: /api/contacts/imports/audiences could be read as either, but the
    // router takes the fixed segment first (the job, whose id "audiences" is then refused) and a
    // contact's id is a UUID, never "imports".
    const ambiguous = (problem: { rule: string; message?: string }) =>
      problem.rule === 'no-ambiguous-paths' &&
      problem.message ===
        'Paths should resolve unambiguously. Found two ambiguous paths: `/api/contacts/{id}/audiences` and `/api/contacts/imports/{id}`.';
    expect(
      problems.filter((problem) => !accepted.has(problem.rule) && !ambiguous(problem)),
    ).toEqual([]);
    // The linters did run: they report what they were told to accept.
    expect(problems.map((problem) => `${problem.tool} ${problem.rule}`).sort()).toEqual([
      'redocly info-license',
      'redocly no-ambiguous-paths',
      'spectral info-contact',
      'spectral info-license',
      'spectral license-url',
    ]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test('/api/openapi.json is a valid OpenAPI 3 document of exactly the documented paths and statuses', async () => {
  const response = await fetch(`${server.url}/api/openapi.json`);
  expect(response.status).toBe(200);
  const document = (await response.json()) as any;
  await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  expect(document.openapi).toMatch(/^3\./);
  expect(document.components.securitySchemes.apiKey).toEqual({
    type: 'apiKey',
    in: 'header',
    name: 'x-api-key',
  });

  const found = Object.fromEntries(
    Object.entries(document.paths as Record<string, Record<string, { responses: object }>>).map(
      ([path, methods]) => [
        path,
        Object.fromEntries(
          Object.entries(methods).map(([method, operation]) => [
            method,
            Object.keys(operation.responses).sort(),
          ]),
        ),
      ],
    ),
  );
  expect(found).toEqual(DOCUMENTED);
});

test('the document states the contract’s parameters, defaults and bounds', async () => {
  const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
  const parameters = Object.fromEntries(
    document.paths['/api/audience'].get.parameters.map(
      (parameter: { name: string; schema: object }) => [parameter.name, parameter.schema],
    ),
  );
  expect(parameters).toEqual({
    page: expect.objectContaining({ type: 'integer', minimum: 1, default: 1 }),
    limit: expect.objectContaining({ type: 'integer', minimum: 1, maximum: 100, default: 20 }),
    search: expect.objectContaining({ type: 'string', maxLength: 256 }),
    sortBy: expect.objectContaining({
      enum: ['name', 'createdAt', 'updatedAt'],
      default: 'createdAt',
    }),
    sortOrder: expect.objectContaining({ enum: ['asc', 'desc'], default: 'desc' }),
  });
  const create =
    document.paths['/api/audience'].post.requestBody.content['application/json'].schema;
  expect(create).toMatchObject({
    required: ['name'],
    properties: { name: { minLength: 3, maxLength: 64 }, description: { maxLength: 256 } },
  });
  const audience =
    document.paths['/api/audience/{id}'].get.responses['200'].content['application/json'].schema;
  expect(Object.keys(audience.properties).sort()).toEqual([
    'createdAt',
    'createdBy',
    'deletedAt',
    'deletedBy',
    'description',
    'id',
    'name',
    'organizationId',
    'updatedAt',
    'updatedBy',
  ]);
});

test('Swagger UI is served at /api/docs from the service itself', async () => {
  const page = await fetch(`${server.url}/api/docs/`);
  expect(page.status).toBe(200);
  const html = await page.text();
  const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url!);
  expect(assets.length).toBeGreaterThan(2);
  for (const asset of assets) {
    expect(asset).toMatch(/^\/?[^/]/); // a path on this server, never another host
    const response = await fetch(new URL(asset, `${server.url}/api/docs/`));
    await response.arrayBuffer();
    expect([asset, response.status]).toEqual([asset, 200]);
  }
});

test('the document states the NUL rule on every free-text input, as the service enforces it', async () => {
  const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as any;
  const org = await TestOrganization.create(server.db);
  const audience = await org.audience('NUL target');
  const body = (path: string, method: string) =>
    document.paths[path][method].requestBody.content['application/json'].schema;
  const query = (path: string, name: string) =>
    document.paths[path].get.parameters.find(
      (parameter: { name: string }) => parameter.name === name,
    ).schema;
  // Each free-text input: its published schema, and a request sending it with a NUL character.
  const inputs: [string, object, () => Promise<Response>][] = [
    [
      'create name',
      body('/api/audience', 'post').properties.name,
      () => send('POST', '/api/audience', { name: 'a\u0000bc' }),
    ],
    [
      'create description',
      body('/api/audience', 'post').properties.description,
      () => send('POST', '/api/audience', { name: 'Fine name', description: 'x\u0000' }),
    ],
    [
      'update name',
      body('/api/audience/{id}', 'put').properties.name,
      () => send('PUT', `/api/audience/${audience.id}`, { name: 'a\u0000bc' }),
    ],
    [
      'update description',
      body('/api/audience/{id}', 'put').properties.description,
      () => send('PUT', `/api/audience/${audience.id}`, { description: 'x\u0000' }),
    ],
    [
      'list search',
      query('/api/audience', 'search'),
      () => send('GET', `/api/audience?search=${encodeURIComponent('a\u0000')}`),
    ],
    [
      'contacts search',
      query('/api/audience/{id}/contacts', 'search'),
      () =>
        send(
          'GET',
          `/api/audience/${audience.id}/contacts?search=${encodeURIComponent('a\u0000')}`,
        ),
    ],
  ];
  const ajv = new Ajv({ strict: false });
  for (const [label, schema, refused] of inputs) {
    const valid = ajv.compile(schema);
    expect([label, valid('a\u0000bc'), valid('abcdef')]).toEqual([label, false, true]);
    const response = await refused();
    expect([label, response.status]).toEqual([label, 400]);
    expect(((await response.json()) as { message: string }).message).toMatch(/NUL/);
  }
  expect((await org.audiences.get(audience.id)).name).toBe('NUL target');

  function send(method: string, path: string, json?: object) {
    return fetch(`${server.url}${path}`, {
      method,
      headers: { 'x-api-key': org.apiKey, 'content-type': 'application/json' },
      body: json && JSON.stringify(json),
    });
  }
});

// Each answer's shape is declared once, on its GraphQL type; REST derives its schema from it.
// Checked after the schema is built, when the fields that resolvers add are known too.
test('the REST answer schemas have exactly the argument-free fields of their GraphQL types', async () => {
  const schema = await buildGraphQLSchema();
  const plainFields = (name: string) =>
    Object.values((schema.getType(name) as GraphQLObjectType).getFields())
      .filter((field) => field.args.length === 0)
      .map((field) => field.name);
  const propertiesOf = (value: JsonSchema) => Object.keys(value.properties!);
  expect(propertiesOf(outputSchema(Audience))).toEqual(plainFields('Audience'));
  expect(propertiesOf(outputSchema(Contact))).toEqual(plainFields('Contact'));
  expect(propertiesOf(CONTACT_SCHEMA)).toEqual(plainFields('Contact'));
  // The contract's AudienceResponse has no counts: they stand beside contactCount on list rows.
  expect(propertiesOf(AUDIENCE_RESPONSE_SCHEMA)).toEqual(
    plainFields('Audience').filter((name) => !name.endsWith('Count')),
  );
  const page = AUDIENCE_LIST_RESPONSE_SCHEMA.properties!;
  expect(propertiesOf(page.data!.items as JsonSchema)).toEqual(plainFields('Audience'));
  expect(propertiesOf(page.meta!)).toEqual(plainFields('PaginationMeta'));
  expect(outputSchema(Audience).properties!.deletedAt).toEqual({
    type: 'string',
    format: 'date-time',
    nullable: true,
    description: 'When the audience was deleted; null while it is live.',
  });
});
