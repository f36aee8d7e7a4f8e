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

test.each([
  ['contact', 'query($id: ID!) { contact(id: $id) { id firstName audiences { meta { total } } } }'],
  [
    'updateContact',
    'mutation($id: ID!) { updateContact(id: $id, input: { firstName: "Hijacked" }) { id } }',
  ],
  ['deleteContact', 'mutation($id: ID!) { deleteContact(id: $id) { id } }'],
])(
  '%s on another organization’s contact is NOT_FOUND and changes nothing',
  async (_name, query) => {
    const before = await ownerContacts();
    const result = await server.graphql(query, { id: contactIds[0] }, intruder.apiKey);
    expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
    expect(JSON.stringify(result)).not.toContain('Secret');
    expect(await ownerContacts()).toEqual(before);
  },
);

test('removeContactsFromAudience on another organization’s audience is NOT_FOUND and removes nothing', async () => {
  const before = await ownerContacts();
  const result = await server.graphql(
    'mutation($id: ID!, $contacts: [ID!]!) { removeContactsFromAudience(id: $id, contacts: $contacts) }',
    { id: audienceId, contacts: contactIds.slice(0, 1) },
    intruder.apiKey,
  );
  // The audience is reported before the contacts, which are not the intruder's either.
  expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
  expect(await ownerContacts()).toEqual(before);
});

test('REST contact paths with another organization’s ids are 404 and change nothing; a phone another organization has is free', async () => {
  const before = await ownerContacts();
  const id = contactIds[0];
  const calls: [string, string, unknown?][] = [
    ['GET', `/api/contacts/${id}`],
    ['GET', `/api/contacts/${id}/audiences`],
    ['PUT', `/api/contacts/${id}`, { firstName: 'Hijacked' }],
    ['DELETE', `/api/contacts/${id}`],
    ['POST', `/api/audience/${audienceId}/remove-contacts`, { contacts: [id] }],
  ];
  for (const [method, path, json] of calls) {
    const response = await fetch(`${server.url}${path}`, {
      method,
      headers: {
        'x-api-key': intruder.apiKey,
        ...(json !== undefined && { 'content-type': 'application/json' }),
      },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    expect({ method, path, status: response.status }).toEqual({ method, path, status: 404 });
    expect(await response.text()).not.toContain('Secret');
  }
  const list = await fetch(`${server.url}/api/contacts?search=Secret`, {
    headers: { 'x-api-key': intruder.apiKey },
  });
  expect(((await list.json()) as { meta: { total: number } }).meta.total).toBe(0);
  const [owned] = await server.db('contact').where({ id }).select('primary_phone');
  const created = await fetch(`${server.url}/api/contacts`, {
    method: 'POST',
    headers: { 'x-api-key': intruder.apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({
      firstName: 'Same',
      lastName: 'Phone',
      primaryPhone: owned.primary_phone,
    }),
  });
  expect(created.status).toBe(201);
  expect(await ownerContacts()).toEqual(before);
});

async function ownerContacts() {
  const contacts = await server
    .db('contact')
    .where({ organization_id: owner.organizationId })
    .orderBy('id');
  const members = await server.countRows('audience_contact', { audience_id: audienceId });
  return { contacts, members };
}

test('bulk paths: another organization’s audience and import jobs are not found; its import and export touch only its own', async () => {
  const before = await ownerContacts();
  const [owned] = await server.db('contact').where({ id: contactIds[0] }).select('primary_phone');
  // An import into the owner's audience: 404 before anything is read.
  const intoTheirs = await fetch(`${server.url}/api/contacts/imports?audienceId=${audienceId}`, {
    method: 'POST',
    headers: { 'x-api-key': intruder.apiKey, 'content-type': 'text/csv' },
    body: `firstName,lastName,primaryPhone,primaryEmail\nSame,Phone,${owned.primary_phone},\n`,
  });
  expect(intoTheirs.status).toBe(404);
  const exported = await fetch(`${server.url}/api/audience/${audienceId}/contacts/export`, {
    headers: { 'x-api-key': intruder.apiKey },
  });
  expect(exported.status).toBe(404);
  expect(await exported.text()).not.toContain('Secret');
  // The owner's job, read with the intruder's key, on both doors.
  const ownerJob = (await (
    await fetch(`${server.url}/api/contacts/imports`, {
      method: 'POST',
      headers: { 'x-api-key': owner.apiKey, 'content-type': 'text/csv' },
      body: `firstName,lastName,primaryPhone,primaryEmail\nSecret,Job,+15550009999,\n`,
    })
  ).json()) as { id: string };
  const read = await fetch(`${server.url}/api/contacts/imports/${ownerJob.id}`, {
    headers: { 'x-api-key': intruder.apiKey },
  });
  expect(read.status).toBe(404);
  onlyError(
    await server.graphql(
      'query($id: ID!) { contactImport(id: $id) { id } }',
      { id: ownerJob.id },
      intruder.apiKey,
    ),
  );
  const listed = await server.graphql('{ contactImports { meta { total } } }', {}, intruder.apiKey);
  expect(listed.data!.contactImports.meta.total).toBe(0);
  // The intruder's own import of the owner's phone creates the intruder's contact, nothing else.
  const own = (await (
    await fetch(`${server.url}/api/contacts/imports`, {
      method: 'POST',
      headers: { 'x-api-key': intruder.apiKey, 'content-type': 'text/csv' },
      body: `firstName,lastName,primaryPhone,primaryEmail\nIntruder,Copy,${owned.primary_phone},\n`,
    })
  ).json()) as { id: string };
  let status = '';
  for (let attempt = 0; attempt < 200 && !['completed', 'failed'].includes(status); attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 25));
    status = (
      (await (
        await fetch(`${server.url}/api/contacts/imports/${own.id}`, {
          headers: { 'x-api-key': intruder.apiKey },
        })
      ).json()) as { status: string }
    ).status;
  }
  expect(status).toBe('completed');
  const theirs = await fetch(`${server.url}/api/contacts/export?format=ndjson`, {
    headers: { 'x-api-key': intruder.apiKey },
  });
  const text = await theirs.text();
  expect(text).not.toContain('Secret');
  expect(text).toContain('Intruder');
  // The owner's job done, its contact goes, and the owner has what it had.
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const [job] = await server.db('contact_import_job').where({ id: ownerJob.id });
    if (job.status === 'completed') break;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  await server
    .db('contact')
    .where({ organization_id: owner.organizationId, primary_phone: '+15550009999' })
    .delete();
  expect(await ownerContacts()).toEqual(before);
});
