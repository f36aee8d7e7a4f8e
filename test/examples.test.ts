import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  buildSchema,
  getNamedType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  type OperationDefinitionNode,
  type SelectionSetNode,
  TypeInfo,
  visit,
  visitWithTypeInfo,
} from 'graphql';
import { SmsKeywordAction } from '../src/consent/consent.type';
import { EventService } from '../src/event/event.service';
import { WebhookService } from '../src/webhook/webhook.service';
import { nextPhone, TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';

// Every operation in examples/ runs against a real server, so that the examples never rot.
const EXAMPLES_DIR = path.join(__dirname, '..', 'examples');
const examples = readdirSync(EXAMPLES_DIR)
  .filter((file) => file.endsWith('.graphql'))
  .map((file) => {
    const source = readFileSync(path.join(EXAMPLES_DIR, file), 'utf8');
    const variables = /^# variables: (.*)$/m.exec(source)?.[1];
    return { file, source, variables: variables ?? '{}' };
  });

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

test('the examples cover every query and mutation', async () => {
  const used = new Set(
    examples.flatMap(({ source }) =>
      parse(source).definitions.flatMap((definition) =>
        (definition as OperationDefinitionNode).selectionSet.selections.map(
          (selection) =>
            `${(definition as OperationDefinitionNode).operation}.${(selection as { name: { value: string } }).name.value}`,
        ),
      ),
    ),
  );
  const result = await server.graphql(
    '{ __schema { queryType { fields { name } } mutationType { fields { name } } subscriptionType { fields { name } } } }',
  );
  const schema = result.data!.__schema;
  const all = [
    ...schema.queryType.fields.map((field: { name: string }) => `query.${field.name}`),
    ...schema.mutationType.fields.map((field: { name: string }) => `mutation.${field.name}`),
    ...schema.subscriptionType.fields.map(
      (field: { name: string }) => `subscription.${field.name}`,
    ),
  ];
  // `_service` and `_entities` are a federation router's, not a client's (test/federation.test.ts).
  const forClients = all.filter((name) => !name.startsWith('query._'));
  expect(forClients.filter((name) => !used.has(name))).toEqual([]);
});

test('every object with an id selects it, so that client caches (Apollo, urql, Relay) normalize it', () => {
  const schema = buildSchema(readFileSync(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));
  // An id selected in the field's own selection or in an inline fragment of it counts.
  const selectsId = (selectionSet: SelectionSetNode): boolean =>
    selectionSet.selections.some((selection) =>
      selection.kind === Kind.FIELD
        ? selection.name.value === 'id' && !selection.alias
        : selection.kind === Kind.INLINE_FRAGMENT && selectsId(selection.selectionSet),
    );
  const missing: string[] = [];
  for (const { file, source } of examples) {
    const typeInfo = new TypeInfo(schema);
    visit(
      parse(source),
      visitWithTypeInfo(typeInfo, {
        Field(field) {
          const type = getNamedType(typeInfo.getType());
          if (!field.selectionSet || !(isObjectType(type) || isInterfaceType(type))) return;
          if ('id' in type.getFields() && !selectsId(field.selectionSet)) {
            missing.push(`${file}: ${field.name.value} (${type.name})`);
          }
        },
      }),
    );
  }
  expect(missing).toEqual([]);
});

test.each(examples.map((example) => [example.file, example] as const))(
  '%s runs without errors',
  async (_file, example) => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(3, (index) => ({
      firstName: index === 0 ? 'John' : `Person${index}`,
      lastName: 'Doe',
    }));
    // The keyword delete-sms-keyword.graphql removes.
    await org.consent.setKeyword({ keyword: 'HALT', action: SmsKeywordAction.OPT_OUT });
    const audience = await org.audience('Example audience', {
      description: 'For the examples',
      members: contacts.slice(0, 1),
    });
    // A public address literal: taken without a DNS look-up; no delivery runs here.
    const webhook = await new WebhookService(server.db, org.actor).create({
      url: 'https://93.184.215.14/examples',
      events: ['audience.created'],
    });
    // An import job for contact-imports.graphql, started as a client starts one.
    const job = (await (
      await fetch(`${server.url}/api/contacts/imports`, {
        method: 'POST',
        headers: { 'x-api-key': org.apiKey, 'content-type': 'text/csv' },
        body: `firstName,lastName,primaryPhone,primaryEmail\nAda,Lovelace,${nextPhone()},\n`,
      })
    ).json()) as { id: string };
    const variables = JSON.parse(
      example.variables
        .replace('<importId>', job.id)
        .replace('<audienceId>', audience.id)
        .replace('<contactId>', contacts[1]!.id)
        .replace('<otherContactId>', contacts[2]!.id)
        .replace('<webhookId>', webhook.id)
        .replace('<eventCursor>', new EventService(server.db, org.actor).cursorAt(0)),
    );
    const result = /^\s*subscription\b/m.test(example.source.replace(/^#.*$/gm, ''))
      ? await firstOverWebSocket(example.source, variables, org.apiKey)
      : await server.graphql(example.source, variables, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.status).toBe(200);
    expect(Object.values(result.data!).every((value) => value !== null)).toBe(true);
  },
);

/** A subscription's first result, over graphql-ws as a client would take it. */
async function firstOverWebSocket(
  query: string,
  variables: Record<string, unknown>,
  apiKey: string,
) {
  const client = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-key': apiKey },
    retryAttempts: 0,
  });
  try {
    for await (const result of client.iterate({ query, variables })) {
      return { ...result, status: 200 };
    }
    throw new Error('the subscription ended without a result');
  } finally {
    await client.dispose();
  }
}
