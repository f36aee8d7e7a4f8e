import { Client, fetchExchange, gql } from '@urql/core';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { copyFile, mkdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// The clients this service's users run, with their defaults, against the real server.
let server: TestServer;
let org: TestOrganization;
beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
  await org.audience('Reached by urql', { members: 2 });
});
afterAll(() => server.close());

describe('urql', () => {
  // What urql sends, to check that its default (queries as GET) is the one met.
  const methods: string[] = [];
  const client = () =>
    new Client({
      url: `${server.url}/graphql`,
      exchanges: [fetchExchange],
      fetchOptions: { headers: { 'x-api-key': org.apiKey } },
      fetch: (input, init) => {
        methods.push(init?.method ?? 'GET');
        return fetch(input, init);
      },
    });

  test('its default client queries by GET: the key header passes CSRF prevention', async () => {
    const result = await client()
      .query(
        gql`
          {
            audiences {
              data {
                id
                name
                contactCount
              }
            }
          }
        `,
        {},
      )
      .toPromise();
    expect(methods).toEqual(['GET']);
    expect(result.error).toBeUndefined();
    expect(result.data.audiences.data).toEqual([
      { id: expect.any(String), name: 'Reached by urql', contactCount: 2 },
    ]);
  });

  test('and mutates by POST', async () => {
    methods.length = 0;
    const result = await client()
      .mutation(
        gql`
          mutation ($name: String!) {
            createAudience(input: { name: $name }) {
              id
              name
            }
          }
        `,
        {
          name: 'Made by urql',
        },
      )
      .toPromise();
    expect(methods).toEqual(['POST']);
    expect(result.error).toBeUndefined();
    expect(result.data.createAudience.name).toBe('Made by urql');
  });

  test('a GET without the key header (a form or an <img> elsewhere) is still refused by CSRF prevention', async () => {
    const response = await fetch(
      `${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`,
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toMatch(/CSRF/);
  });
});

describe('a client generated from the OpenAPI document (openapi-typescript and openapi-fetch)', () => {
  const SOURCES = path.join(__dirname, 'support', 'generated-client');
  const GENERATED = path.join(__dirname, 'artifacts', 'generated-client');

  beforeAll(async () => {
    // As a user's build would: the document, the types generated from it, the user's code beside.
    await rm(GENERATED, { recursive: true, force: true });
    await mkdir(GENERATED, { recursive: true });
    const documentFile = path.join(GENERATED, 'openapi.json');
    await writeFile(documentFile, await (await fetch(`${server.url}/api/openapi.json`)).text());
    await promisify(execFile)(process.execPath, [
      path.join(__dirname, '..', 'node_modules', 'openapi-typescript', 'bin', 'cli.js'),
      documentFile,
      '--output',
      path.join(GENERATED, 'api.d.ts'),
    ]);
    for (const file of ['every-path.ts', 'misuse.ts', 'tsconfig.json']) {
      await copyFile(path.join(SOURCES, file), path.join(GENERATED, file));
    }
  }, 60_000);

  test('type-checks: every call as the types say, and every misuse refused', async () => {
    const tsc = path.join(__dirname, '..', 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await new Promise<{ code: number; output: string }>((resolve) =>
      execFile(process.execPath, [tsc, '-p', GENERATED], (error, stdout, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, output: stdout + stderr }),
      ),
    );
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
  }, 60_000);

  test('calls every path and gets what the types promise', async () => {
    const { callEveryPath } = (await import(path.join(GENERATED, 'every-path.ts'))) as {
      callEveryPath: (baseUrl: string, apiKey: string) => Promise<string[]>;
    };
    const calls = await callEveryPath(server.url, org.apiKey);
    expect(calls).toEqual([
      'createAudience 201',
      'createContact 201',
      'listAudiences 200',
      'getAudience 200',
      'addContactsToAudience 200',
      'listAudienceContacts 200',
      'listContacts 200',
      'getContact 200',
      'listContactAudiences 200',
      'updateContact 200',
      'setSmsKeyword 200',
      'listSmsKeywords 200',
      'receiveInboundSms 200',
      'deleteSmsKeyword 200',
      'recordOptOuts 200',
      'listEvents 200',
      'createWebhook 201',
      'listWebhooks 200',
      'getWebhook 200',
      'updateWebhook 200',
      'replayWebhook 200',
      'listWebhookDeliveries 200',
      'deleteWebhook 200',
      'listContactConsentHistory 200',
      'createContact 409',
      'startContactImport 202',
      'getContactImport 200',
      'listContactImports 200',
      'exportContacts 200',
      'exportAudienceContacts 200',
      'updateAudience 200',
      'removeContactsFromAudience 200',
      'deleteContact 200',
      'deleteAudience 200',
    ]);
    // Each of the document's operations was called.
    const document = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as {
      paths: Record<string, Record<string, { operationId: string }>>;
    };
    const operations = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((operation) => operation.operationId),
    );
    expect(new Set(calls.map((call) => call.split(' ')[0]))).toEqual(new Set(operations));
  });
});
