import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

// Every operation, run with another organization's key against this organization's data.
let server: TestServer;
let owner: TestOrganization;
let intruder: TestOrganization;
let audienceId: string;
let contactIds: string[];

beforeAll(async () => {
  server = await TestServer.start();
  owner = await TestOrganization.create(server.db, 'Owner');
  intruder = await TestOrganization.create(server.db, 'Intruder');
  const contacts = await owner.contacts(3, () => ({ firstName: 'Secret' }));
  contactIds = contacts.map((contact) => contact.id);
  audienceId = (
    await owner.audience('Private audience', {
      description: 'Secret',
      members: contacts.slice(0, 2),
    })
  ).id;
});
afterAll(() => server.close());

async function ownerState() {
  const audience = await server.db('audience').where({ id: audienceId }).first();
  const members = await server.countRows('audience_contact', { audience_id: audienceId });
  return { audience, members };
}

test('lists show only the caller’s own audiences and contacts', async () => {
  await intruder.audience('Mine');
  const audiences = await server.graphql(
    '{ audiences(search: "Private") { data { id } meta { total } } }',
    {},
    intruder.apiKey,
  );
  expect(audiences.data!.audiences).toEqual({ data: [], meta: { total: 0 } });
  const all = await server.graphql('{ audiences { data { name } } }', {}, intruder.apiKey);
  expect(all.data!.audiences.data).toEqual([{ name: 'Mine' }]);
  const contacts = await server.graphql(
    '{ contacts(search: "Secret") { meta { total } } }',
    {},
    intruder.apiKey,
  );
  expect(contacts.data!.contacts.meta.total).toBe(0);
});

test.each<[string, string, { own: boolean }]>([
  [
    'audience',
    `query($id: ID!) { audience(id: $id) { id name contacts { data { id } } } }`,
    { own: false },
  ],
  [
    'updateAudience',
    `mutation($id: ID!) { updateAudience(id: $id, input: { name: "Hijacked" }) { id } }`,
    { own: false },
  ],
  ['deleteAudience', `mutation($id: ID!) { deleteAudience(id: $id) { id } }`, { own: false }],
  [
    'addContactsToAudience',
    `mutation($id: ID!, $contacts: [ID!]!) { addContactsToAudience(id: $id, contacts: $contacts) }`,
    { own: true },
  ],
])(
  '%s on another organization’s audience is NOT_FOUND and changes nothing',
  async (_name, query, options) => {
    const before = await ownerState();
    const contacts = options.own
      ? (await intruder.contacts(1)).map((contact) => contact.id)
      : undefined;
    const result = await server.graphql(query, { id: audienceId, contacts }, intruder.apiKey);
    expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
    expect(JSON.stringify(result)).not.toContain('Private audience');
    expect(await ownerState()).toEqual(before);
  },
);

test('another organization’s contacts cannot be added to one’s own audience', async () => {
  const own = await intruder.audience('Bait');
  const result = await server.graphql(
    `mutation($id: ID!, $contacts: [ID!]!) { addContactsToAudience(id: $id, contacts: $contacts) }`,
    { id: own.id, contacts: [contactIds[2]] },
    intruder.apiKey,
  );
  expect(onlyError(result).extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    unknownContactIds: [contactIds[2]],
  });
  expect(await server.countRows('audience_contact', { audience_id: own.id })).toBe(0);
});

test('new audiences and contacts belong to the caller’s organization whatever the input says', async () => {
  const created = await server.graphql(
    `mutation { createAudience(input: { name: "Placed" }) { organizationId createdBy } }`,
    {},
    intruder.apiKey,
  );
  expect(created.data!.createAudience).toEqual({
    organizationId: intruder.organizationId,
    createdBy: intruder.userId,
  });
  const smuggled = await server.graphql(
    `mutation { createAudience(input: { name: "Placed", organizationId: "${owner.organizationId}" }) { id } }`,
    {},
    intruder.apiKey,
  );
  expect(onlyError(smuggled).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  const contacts = await server.graphql(
    `mutation { createContacts(input: [{ firstName: "A", lastName: "B", primaryPhone: "+15550009999" }]) { organizationId } }`,
    {},
    intruder.apiKey,
  );
  expect(contacts.data!.createContacts).toEqual([{ organizationId: intruder.organizationId }]);
});
