import {
  getNullableType,
  type GraphQLArgument,
  type GraphQLInputField,
  isInputObjectType,
  isNonNullType,
  isObjectType,
} from 'graphql';
import { buildGraphQLSchema } from '../src/graphql/schema';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// Every input the schema marks nullable takes an explicit null, with the meaning its description
// states; REST's bodies take null where their OpenAPI schema says `nullable`.
let server: TestServer;
let org: TestOrganization;
beforeAll(async () => {
  server = await TestServer.start();
  org = await TestOrganization.create(server.db);
});
afterAll(() => server.close());

const SENT_NULL_BELOW = [
  'CreateAudienceInput.description',
  'UpdateAudienceInput.name',
  'UpdateAudienceInput.description',
  'CreateContactInput.primaryEmail',
  'UpdateContactInput.firstName',
  'UpdateContactInput.lastName',
  'UpdateContactInput.primaryPhone',
  'UpdateContactInput.primaryEmail',
  'Query.audiences(search)',
  'Query.contacts(search)',
  'Audience.contacts(search)',
  'Audience.contactsConnection(after)',
  'Audience.contactsConnection(search)',
  'CreateContactInput.smsConsent',
  'CreateContactInput.emailConsent',
  'UpdateContactInput.smsConsent',
  'UpdateContactInput.emailConsent',
  'Query.events(after)',
  'Query.events(types)',
  'Subscription.events(after)',
  'Subscription.events(types)',
  'CreateWebhookInput.description',
  'UpdateWebhookInput.url',
  'UpdateWebhookInput.events',
  'UpdateWebhookInput.description',
  'UpdateWebhookInput.enabled',
  'Query.contacts(smsConsent)',
  'Query.contacts(emailConsent)',
  'Audience.contacts(smsConsent)',
  'Audience.contacts(emailConsent)',
  'Audience.contactsConnection(smsConsent)',
  'Audience.contactsConnection(emailConsent)',
  'Contact.consentHistory(after)',
];

test('every nullable input of the schema is sent null below', async () => {
  const schema = await buildGraphQLSchema();
  const nullable: string[] = [];
  const isNullable = (input: GraphQLArgument | GraphQLInputField) =>
    !isNonNullType(input.type) && input.defaultValue === undefined;
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isInputObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        if (isNullable(field)) nullable.push(`${type.name}.${field.name}`);
    } else if (isObjectType(type)) {
      for (const field of Object.values(type.getFields()))
        for (const arg of field.args)
          if (isNullable(arg)) nullable.push(`${type.name}.${field.name}(${arg.name})`);
    }
  }
  expect(nullable.sort()).toEqual([...SENT_NULL_BELOW].sort());
  // The descriptions say what null means.
  const describedNull = (text: string | null | undefined) => /\bnull\b/i.test(text ?? '');
  for (const name of SENT_NULL_BELOW) {
    const [typeName, rest] = name.split('.') as [string, string];
    const type = schema.getType(typeName)!;
    const match = /^(\w+)\((\w+)\)$/.exec(rest);
    const fields = (
      getNullableType(type) as never as {
        getFields(): Record<string, GraphQLInputField & { args?: GraphQLArgument[] }>;
      }
    ).getFields();
    const input = match
      ? fields[match[1]!]!.args!.find((arg) => arg.name === match[2])!
      : fields[rest]!;
    expect([name, describedNull(input.description)]).toEqual([name, true]);
  }
});

test('createAudience with description null: an audience without one', async () => {
  const result = await server.graphql(
    'mutation { createAudience(input: { name: "No description", description: null }) { id description } }',
    {},
    org.apiKey,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.createAudience.description).toBeNull();
  const rest = await post('/api/audience', { name: 'No description either', description: null });
  expect(rest.status).toBe(201);
  expect(((await rest.json()) as { description: unknown }).description).toBeNull();
});

test('updateAudience with name null keeps the name; with description null removes the description', async () => {
  const audience = await org.audience('Named', { description: 'Described' });
  const update = (input: string) =>
    server.graphql(
      `mutation { updateAudience(id: "${audience.id}", input: ${input}) { name description updatedAt } }`,
      {},
      org.apiKey,
    );
  const kept = await update('{ name: null }');
  expect(kept.errors).toBeUndefined();
  expect(kept.data!.updateAudience).toMatchObject({ name: 'Named', description: 'Described' });
  // Nothing changed: updatedAt still names the last real change.
  expect(new Date(kept.data!.updateAudience.updatedAt).getTime()).toBe(
    audience.updatedAt.getTime(),
  );
  const removed = await update('{ name: null, description: null }');
  expect(removed.errors).toBeUndefined();
  expect(removed.data!.updateAudience).toMatchObject({ name: 'Named', description: null });
  expect(new Date(removed.data!.updateAudience.updatedAt).getTime()).toBeGreaterThan(
    audience.updatedAt.getTime(),
  );
  // REST's PUT alike.
  const other = await org.audience('Named by REST', { description: 'Described by REST' });
  const put = await fetch(`${server.url}/api/audience/${other.id}`, {
    method: 'PUT',
    headers: { 'x-api-key': org.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ name: null, description: null }),
  });
  expect(put.status).toBe(200);
  expect(await put.json()).toMatchObject({ name: 'Named by REST', description: null });
});

test('createContacts with primaryEmail null: a contact without one', async () => {
  const result = await server.graphql(
    'mutation { createContacts(input: [{ firstName: "No", lastName: "Email", primaryPhone: "+15550009999", primaryEmail: null }]) { primaryEmail } }',
    {},
    org.apiKey,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.createContacts).toEqual([{ primaryEmail: null }]);
});

test('updateContact with null names and phone keeps them; with primaryEmail null removes the e-mail', async () => {
  const [contact] = await org.contacts(1, () => ({ primaryEmail: 'kept@example.com' }));
  const update = (input: string) =>
    server.graphql(
      `mutation { updateContact(id: "${contact!.id}", input: ${input}) { firstName lastName primaryPhone primaryEmail updatedAt } }`,
      {},
      org.apiKey,
    );
  const kept = await update('{ firstName: null, lastName: null, primaryPhone: null }');
  expect(kept.errors).toBeUndefined();
  expect(kept.data!.updateContact).toEqual({
    firstName: contact!.firstName,
    lastName: contact!.lastName,
    primaryPhone: contact!.primaryPhone,
    primaryEmail: 'kept@example.com',
    updatedAt: contact!.updatedAt.toISOString(),
  });
  const removed = await update('{ firstName: null, primaryEmail: null }');
  expect(removed.errors).toBeUndefined();
  expect(removed.data!.updateContact).toMatchObject({
    firstName: contact!.firstName,
    primaryEmail: null,
  });
});

test('search null and after null read as if left out', async () => {
  const audience = await org.audience('Searched', { members: 3 });
  const read = (value: string | undefined) => {
    const search = value === undefined ? '' : `(search: ${value})`;
    const connection = value === undefined ? '' : `(search: ${value}, after: ${value})`;
    return server.graphql(
      `{ audiences${search} { meta { total } }
         contacts${search} { meta { total } }
         audience(id: "${audience.id}") {
           contacts${search} { meta { total } }
           contactsConnection${connection} { totalCount edges { cursor } }
         } }`,
      {},
      org.apiKey,
    );
  };
  const withNull = await read('null');
  const without = await read(undefined);
  expect(without.errors).toBeUndefined();
  expect(withNull.errors).toBeUndefined();
  expect(withNull.data).toEqual(without.data);
});

test('consent null: NEVER_SUBSCRIBED on create, kept on update, no filter on a list, the newest changes', async () => {
  const created = await server.graphql(
    'mutation { createContacts(input: [{ firstName: "Null", lastName: "Consent", primaryPhone: "+15550009998", primaryEmail: "n@example.com", smsConsent: null, emailConsent: null }]) { id smsConsent { status } emailConsent { status } } }',
    {},
    org.apiKey,
  );
  expect(created.errors).toBeUndefined();
  const [contact] = created.data!.createContacts;
  expect(contact).toMatchObject({
    smsConsent: { status: 'NEVER_SUBSCRIBED' },
    emailConsent: { status: 'NEVER_SUBSCRIBED' },
  });
  const subscribed = await server.graphql(
    `mutation { updateContact(id: "${contact.id}", input: { smsConsent: SUBSCRIBED, emailConsent: SUBSCRIBED }) { id } }`,
    {},
    org.apiKey,
  );
  expect(subscribed.errors).toBeUndefined();
  const kept = await server.graphql(
    `mutation { updateContact(id: "${contact.id}", input: { smsConsent: null, emailConsent: null }) { smsConsent { status } emailConsent { status } consentHistory(after: null) { totalCount } } }`,
    {},
    org.apiKey,
  );
  expect(kept.errors).toBeUndefined();
  expect(kept.data!.updateContact).toEqual({
    smsConsent: { status: 'SUBSCRIBED' },
    emailConsent: { status: 'SUBSCRIBED' },
    consentHistory: { totalCount: 2 },
  });
  const audience = await org.audience('Consent null', { members: 2 });
  const read = (args: string) =>
    server.graphql(
      `{ contacts${args} { meta { total } }
         audience(id: "${audience.id}") { contacts${args} { meta { total } } contactsConnection${args} { totalCount } } }`,
      {},
      org.apiKey,
    );
  const withNull = await read('(smsConsent: null, emailConsent: null)');
  const without = await read('');
  expect(withNull.errors).toBeUndefined();
  expect(withNull.data).toEqual(without.data);
});

function post(path: string, json: object) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': org.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
}

test('events with after and types null: the whole feed from the oldest event kept', async () => {
  const fresh = await TestOrganization.create(server.db);
  await fresh.audience('Recorded');
  const result = await server.graphql(
    '{ events(after: null, types: null) { edges { node { id type } } } }',
    {},
    fresh.apiKey,
  );
  expect(result.errors).toBeUndefined();
  expect(result.data!.events.edges.map((edge: any) => edge.node.type)).toEqual([
    'audience.created',
  ]);
});

test('createWebhook with description null: none; updateWebhook with url, events and enabled null keeps them, description null removes it', async () => {
  const created = await server.graphql(
    `mutation { createWebhook(input: { url: "https://93.184.215.14/nulls", events: ["audience.created"], description: null }) { id description } }`,
    {},
    org.apiKey,
  );
  expect(created.errors).toBeUndefined();
  expect(created.data!.createWebhook.description).toBeNull();
  const id = created.data!.createWebhook.id;
  await server.graphql(
    `mutation($id: ID!) { updateWebhook(id: $id, input: { description: "Described" }) { id } }`,
    { id },
    org.apiKey,
  );
  const updated = await server.graphql(
    `mutation($id: ID!) { updateWebhook(id: $id, input: { url: null, events: null, enabled: null, description: null }) { url events enabled description } }`,
    { id },
    org.apiKey,
  );
  expect(updated.errors).toBeUndefined();
  expect(updated.data!.updateWebhook).toEqual({
    url: 'https://93.184.215.14/nulls',
    events: ['audience.created'],
    enabled: true,
    description: null,
  });
});

test('the events subscription with after and types null: every event that commits from now on', async () => {
  const fresh = await TestOrganization.create(server.db);
  const client = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { 'x-api-key': fresh.apiKey },
    retryAttempts: 0,
  });
  try {
    let writing = true;
    const writer = (async () => {
      for (let index = 0; writing && index < 50; index += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        await fresh.audience(`Streamed ${index}`);
      }
    })();
    for await (const result of client.iterate({
      query: 'subscription { events(after: null, types: null) { type } }',
    })) {
      expect(result.errors).toBeUndefined();
      expect(result.data!.events).toEqual({ type: 'audience.created' });
      break;
    }
    writing = false;
    await writer;
  } finally {
    await client.dispose();
  }
});
