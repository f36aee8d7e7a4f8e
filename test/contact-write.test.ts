import { countsDrift, NO_DRIFT } from './support/counts-drift';
import { nextPhone, TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { onlyError, TestServer } from './support/test-server';

const FIELDS = 'id organizationId firstName lastName primaryPhone primaryEmail createdAt updatedAt';
const CREATE = `mutation($input: [CreateContactInput!]!) { createContacts(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation($id: ID!, $input: UpdateContactInput!) { updateContact(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation($id: ID!) { deleteContact(id: $id) { ${FIELDS} } }`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

function person(overrides: Record<string, unknown> = {}) {
  return { firstName: 'Ada', lastName: 'Lovelace', primaryPhone: nextPhone(), ...overrides };
}

describe('creating contacts', () => {
  test('POST /api/contacts creates one contact (201), as createContacts does', async () => {
    const org = await TestOrganization.create(server.db);
    const input = person({ primaryEmail: 'ada@example.com' });
    const created = await rest(server.url, 'POST', '/api/contacts', {
      apiKey: org.apiKey,
      json: input,
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ ...input, organizationId: org.organizationId });
    const read = await rest(server.url, 'GET', `/api/contacts/${created.body.id}`, {
      apiKey: org.apiKey,
    });
    expect(read.body).toEqual(created.body);

    const bad = await rest(server.url, 'POST', '/api/contacts', {
      apiKey: org.apiKey,
      json: { ...person(), primaryPhone: '0612345678', firstName: '' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^firstName /),
        expect.stringMatching(/^primaryPhone must be a phone number in E\.164 form/),
      ]),
    );
  });

  test('a phone another contact of the organization has is 409 / CONFLICT naming it, and nothing is created', async () => {
    const org = await TestOrganization.create(server.db);
    const [existing] = await org.contacts(1);
    const taken = existing!.primaryPhone;

    const response = await rest(server.url, 'POST', '/api/contacts', {
      apiKey: org.apiKey,
      json: person({ primaryPhone: taken }),
    });
    expect(response.status).toBe(409);
    expect(response.body).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: `primaryPhone ${taken} is already another contact's in this organization`,
      // As GraphQL's extensions.takenPhones.
      takenPhones: [taken],
    });

    // In a batch, every taken phone is listed and none of the batch is created.
    const [second] = await org.contacts(1);
    const batch = [
      person(),
      person({ primaryPhone: second!.primaryPhone }),
      person({ primaryPhone: taken }),
    ];
    const result = await server.graphql(CREATE, { input: batch }, org.apiKey);
    expect(result.data).toBeNull();
    const error = onlyError(result);
    expect(error.extensions).toMatchObject({
      code: 'CONFLICT',
      takenPhones: [second!.primaryPhone, taken],
    });
    expect(error.message).toContain(taken);
    expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(2);
    expect(await server.countRows('contact', { primary_phone: batch[0]!.primaryPhone })).toBe(0);

    // Another organization may hold the same phone.
    const other = await TestOrganization.create(server.db);
    const elsewhere = await server.graphql(
      CREATE,
      { input: [person({ primaryPhone: taken })] },
      other.apiKey,
    );
    expect(elsewhere.errors).toBeUndefined();
  });

  test('one phone twice in a batch is BAD_USER_INPUT naming both places', async () => {
    const org = await TestOrganization.create(server.db);
    const phone = nextPhone();
    const result = await server.graphql(
      CREATE,
      { input: [person({ primaryPhone: phone }), person(), person({ primaryPhone: phone })] },
      org.apiKey,
    );
    const error = onlyError(result);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(`input[2].primaryPhone ${phone} is also input[0]'s`);
    expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(0);
  });

  test('two clients creating the same phone at once: exactly one wins, the other is told CONFLICT', async () => {
    const org = await TestOrganization.create(server.db);
    for (let round = 0; round < 10; round += 1) {
      const phone = nextPhone();
      const results = await Promise.all(
        [0, 1, 2, 3].map((client) =>
          client % 2 === 0
            ? rest(server.url, 'POST', '/api/contacts', {
                apiKey: org.apiKey,
                json: person({ primaryPhone: phone }),
              })
            : server
                .graphql(CREATE, { input: [person({ primaryPhone: phone })] }, org.apiKey)
                .then((result) => ({
                  status: result.errors
                    ? result.errors[0]!.extensions.code === 'CONFLICT'
                      ? 409
                      : 500
                    : 201,
                  body: result,
                })),
        ),
      );
      expect(results.map((result) => result.status).sort()).toEqual([201, 409, 409, 409]);
      expect(await server.countRows('contact', { primary_phone: phone })).toBe(1);
    }
  });
});

describe('updating a contact', () => {
  test('updateContact and PUT /api/contacts/:id change the fields given and keep the others', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact] = await org.contacts(1, () => ({ primaryEmail: 'old@example.com' }));
    const phone = nextPhone();
    const graphql = await server.graphql(
      UPDATE,
      { id: contact!.id, input: { firstName: 'Grace', primaryPhone: phone } },
      org.apiKey,
    );
    expect(graphql.errors).toBeUndefined();
    const updated = graphql.data!.updateContact;
    expect(updated).toMatchObject({
      id: contact!.id,
      firstName: 'Grace',
      lastName: contact!.lastName,
      primaryPhone: phone,
      primaryEmail: 'old@example.com',
      createdAt: contact!.createdAt.toISOString(),
    });
    expect(new Date(updated.updatedAt).getTime()).toBeGreaterThan(contact!.updatedAt.getTime());

    // Null names and phone are kept; a null e-mail removes it.
    const put = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { firstName: null, lastName: 'Hopper', primaryPhone: null, primaryEmail: null },
    });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({
      firstName: 'Grace',
      lastName: 'Hopper',
      primaryPhone: phone,
      primaryEmail: null,
    });
  });

  test('an update that changes nothing writes nothing: updatedAt stays', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact] = await org.contacts(1);
    for (const input of [
      {},
      { firstName: contact!.firstName, primaryPhone: contact!.primaryPhone },
    ]) {
      const result = await server.graphql(UPDATE, { id: contact!.id, input }, org.apiKey);
      expect(result.data!.updateContact.updatedAt).toBe(contact!.updatedAt.toISOString());
    }
    const put = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: {},
    });
    expect(put.body.updatedAt).toBe(contact!.updatedAt.toISOString());
  });

  test('the rules of creation hold; a taken phone is a CONFLICT; keeping one’s own phone is not', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact, other] = await org.contacts(2);
    const bad = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { lastName: '   ', primaryEmail: 'not-an-email', nickname: 'x' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.message).toEqual(
      expect.arrayContaining([
        'lastName must not be blank',
        'primaryEmail must be an email',
        'property nickname should not exist',
      ]),
    );

    const taken = await server.graphql(
      UPDATE,
      { id: contact!.id, input: { primaryPhone: other!.primaryPhone } },
      org.apiKey,
    );
    expect(taken.data).toBeNull();
    expect(onlyError(taken).extensions).toMatchObject({
      code: 'CONFLICT',
      takenPhones: [other!.primaryPhone],
    });
    const conflict = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { firstName: 'Changed', primaryPhone: other!.primaryPhone },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.message).toContain(other!.primaryPhone);
    const unchanged = await rest(server.url, 'GET', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
    });
    expect(unchanged.body.firstName).toBe(contact!.firstName);

    const own = await server.graphql(
      UPDATE,
      { id: contact!.id, input: { primaryPhone: contact!.primaryPhone, firstName: 'Same' } },
      org.apiKey,
    );
    expect(own.errors).toBeUndefined();
  });

  test('an update reaches the audiences’ member lists: sorted and searched by the new name', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(3, (index) => ({ firstName: `Name${index}` }));
    const audience = await org.audience('Members', { members: contacts });
    await server.graphql(
      UPDATE,
      { id: contacts[2]!.id, input: { firstName: 'Aaron' } },
      org.apiKey,
    );
    const result = await server.graphql(
      `query($id: ID!) { audience(id: $id) {
         sorted: contacts(sortBy: firstName, sortOrder: asc) { data { firstName } }
         found: contacts(search: "aaron") { data { id } meta { total } }
       } }`,
      { id: audience.id },
      org.apiKey,
    );
    expect(
      result.data!.audience.sorted.data.map((c: { firstName: string }) => c.firstName),
    ).toEqual(['Aaron', 'Name0', 'Name1']);
    expect(result.data!.audience.found).toEqual({
      data: [{ id: contacts[2]!.id }],
      meta: { total: 1 },
    });
  });
});

describe('deleting a contact', () => {
  test('deleteContact and DELETE /api/contacts/:id erase the contact and its memberships; counts follow', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(4);
    const first = await org.audience('First', { members: contacts });
    const second = await org.audience('Second', { members: contacts.slice(0, 2) });

    const graphql = await server.graphql(DELETE, { id: contacts[0]!.id }, org.apiKey);
    expect(graphql.errors).toBeUndefined();
    expect(graphql.data!.deleteContact).toMatchObject({
      id: contacts[0]!.id,
      primaryPhone: contacts[0]!.primaryPhone,
    });
    const removed = await rest(server.url, 'DELETE', `/api/contacts/${contacts[1]!.id}`, {
      apiKey: org.apiKey,
    });
    expect(removed.status).toBe(200);
    expect(removed.body.id).toBe(contacts[1]!.id);

    const counts = await server.graphql(
      'query($a: ID!, $b: ID!) { a: audience(id: $a) { contactCount } b: audience(id: $b) { contactCount } contacts { meta { total } } }',
      { a: first.id, b: second.id },
      org.apiKey,
    );
    expect(counts.data).toEqual({
      a: { contactCount: 2 },
      b: { contactCount: 0 },
      contacts: { meta: { total: 2 } },
    });
    expect(await server.memberIds(first.id)).toEqual(
      contacts
        .slice(2)
        .map((c) => c.id)
        .sort(),
    );
    expect(await server.countRows('audience_contact', { contact_id: contacts[0]!.id })).toBe(0);

    // Gone for good: reads and a second delete are NOT_FOUND / 404.
    const again = await server.graphql(DELETE, { id: contacts[0]!.id }, org.apiKey);
    expect(again.data).toBeNull();
    expect(onlyError(again).extensions.code).toBe('NOT_FOUND');
    for (const method of ['GET', 'DELETE', 'PUT']) {
      const response = await rest(server.url, method, `/api/contacts/${contacts[1]!.id}`, {
        apiKey: org.apiKey,
        ...(method === 'PUT' && { json: { firstName: 'Back' } }),
      });
      expect(response.status).toBe(404);
    }
    // Its phone is free again.
    const reused = await rest(server.url, 'POST', '/api/contacts', {
      apiKey: org.apiKey,
      json: person({ primaryPhone: contacts[0]!.primaryPhone }),
    });
    expect(reused.status).toBe(201);
  });

  test('another organization’s contact can be neither changed nor deleted', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    const [foreign] = await other.contacts(1);
    const update = await server.graphql(
      UPDATE,
      { id: foreign!.id, input: { firstName: 'Stolen' } },
      org.apiKey,
    );
    expect(onlyError(update).extensions.code).toBe('NOT_FOUND');
    const remove = await server.graphql(DELETE, { id: foreign!.id }, org.apiKey);
    expect(onlyError(remove).extensions.code).toBe('NOT_FOUND');
    const read = await rest(server.url, 'GET', `/api/contacts/${foreign!.id}`, {
      apiKey: other.apiKey,
    });
    expect(read.body.firstName).toBe(foreign!.firstName);
  });
});

test('an organization deleted for good takes its contacts, audiences and counts with it, and leaves another’s exact', async () => {
  const leaving = await TestOrganization.create(server.db);
  const staying = await TestOrganization.create(server.db);
  for (const org of [leaving, staying]) {
    const contacts = await org.contacts(20);
    await org.audience('Members', { members: contacts });
    const erased = await org.audience('Erased', { members: contacts.slice(0, 5) });
    // An audience erased with its members.
    await server.db('audience').where({ id: erased.id }).delete();
  }
  await server.db('organization').where({ id: leaving.organizationId }).delete();
  expect(await server.countRows('contact', { organization_id: leaving.organizationId })).toBe(0);
  expect(
    await server.countRows('organization_search_gram', { organization_id: leaving.organizationId }),
  ).toBe(0);
  expect(await countsDrift(server.db, staying.organizationId)).toEqual(NO_DRIFT);
});
