import fc from 'fast-check';
import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const REMOVE = `mutation Remove($id: ID!, $contacts: [ID!]!) { removeContactsFromAudience(id: $id, contacts: $contacts) }`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

async function contactCount(audienceId: string): Promise<number> {
  return (await server.db('audience').where({ id: audienceId }).first()).contact_count;
}

function rest(path: string, apiKey: string, json: unknown) {
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify(json),
  });
}

describe('removeContactsFromAudience and POST /api/audience/:id/remove-contacts', () => {
  test('take members out, return the ids de-duplicated in request order; non-members are no error; contacts stay', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = (await org.contacts(6)).map((contact) => contact.id);
    const audience = await org.audience('Shrinking', { members: 5 });
    const members = await server.memberIds(audience.id);
    const outsider = contacts.find((id) => !members.includes(id))!;
    const asked = [members[2]!, members[0]!, members[2]!.toUpperCase(), outsider];
    const result = await server.graphql(REMOVE, { id: audience.id, contacts: asked }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data!.removeContactsFromAudience).toEqual([members[2], members[0], outsider]);
    expect(await server.memberIds(audience.id)).toEqual(
      members.filter((id) => id !== members[0] && id !== members[2]),
    );
    expect(await contactCount(audience.id)).toBe(3);
    expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(11);

    const response = await rest(`/api/audience/${audience.id}/remove-contacts`, org.apiKey, {
      contacts: [members[1], members[1]],
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual([members[1]]);
    expect(await contactCount(audience.id)).toBe(2);
    expect(await server.memberIds(audience.id)).toHaveLength(2);
  });

  test('unknown or foreign contact ids fail the whole call, list those ids, and remove nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    const foreign = (await other.contacts(1))[0]!.id;
    const audience = await org.audience('Kept whole', { members: 3 });
    const members = await server.memberIds(audience.id);
    const unknown = '00000000-0000-4000-8000-00000000dead';
    const result = await server.graphql(
      REMOVE,
      { id: audience.id, contacts: [members[0], unknown, foreign] },
      org.apiKey,
    );
    const error = onlyError(result);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.extensions.unknownContactIds).toEqual([unknown, foreign]);
    expect(result.data ?? null).toBeNull();
    const response = await rest(`/api/audience/${audience.id}/remove-contacts`, org.apiKey, {
      contacts: [members[1], unknown],
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { message: string }).message).toContain(unknown);
    expect(await server.memberIds(audience.id)).toEqual(members);
    expect(await contactCount(audience.id)).toBe(3);
  });

  test('bounds: 1 to 10,000 well-formed ids; an unknown, deleted or foreign audience is NOT_FOUND', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    const audience = await org.audience('Bounded', { members: 1 });
    const [member] = await server.memberIds(audience.id);
    for (const contacts of [[], Array.from({ length: 10_001 }, () => member), ['not-a-uuid']]) {
      const result = await server.graphql(REMOVE, { id: audience.id, contacts }, org.apiKey);
      expect(onlyError(result).extensions.code).toBe('BAD_USER_INPUT');
      const response = await rest(`/api/audience/${audience.id}/remove-contacts`, org.apiKey, {
        contacts,
      });
      expect(response.status).toBe(400);
    }
    const foreignAudience = await other.audience('Not yours', { members: 1 });
    const deleted = await org.audience('Gone', { members: 1 });
    await org.audiences.delete(deleted.id);
    for (const id of [foreignAudience.id, deleted.id, '00000000-0000-4000-8000-000000000001']) {
      const result = await server.graphql(REMOVE, { id, contacts: [member] }, org.apiKey);
      expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
      expect(
        (await rest(`/api/audience/${id}/remove-contacts`, org.apiKey, { contacts: [member] }))
          .status,
      ).toBe(404);
    }
    expect(await server.memberIds(foreignAudience.id)).toHaveLength(1);
    expect(await server.memberIds(audience.id)).toEqual([member]);
  });

  test('removes 10,000 members in one DELETE statement', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = (await org.contacts(10_000)).map((contact) => contact.id);
    const audience = await org.audience('Large');
    await org.memberships.addContacts(audience.id, { contacts });
    const { sql } = await server.countStatements(async () => {
      const result = await server.graphql(REMOVE, { id: audience.id, contacts }, org.apiKey);
      expect(result.errors).toBeUndefined();
    });
    expect(sql.filter((statement) => /delete from/i.test(statement))).toHaveLength(1);
    expect(await contactCount(audience.id)).toBe(0);
    expect(await server.memberIds(audience.id)).toEqual([]);
  });
});

test('contactCount stays exact under concurrent adds and removes through both doors', async () => {
  const org = await TestOrganization.create(server.db);
  const contacts = (await org.contacts(40)).map((contact) => contact.id);
  const audience = await org.audience('Churning');
  const call = fc.record({
    remove: fc.boolean(),
    rest: fc.boolean(),
    ids: fc.subarray(contacts, { minLength: 1, maxLength: 15 }),
    poisoned: fc.boolean(),
  });
  const calls = fc.sample(call, { numRuns: 40, seed: 20261127 });
  const results = await Promise.all(
    calls.map(async ({ remove, rest: viaRest, ids, poisoned }) => {
      const list = poisoned ? [...ids, '00000000-0000-4000-8000-00000000dead'] : ids;
      if (viaRest) {
        const response = await rest(
          `/api/audience/${audience.id}/${remove ? 'remove' : 'add'}-contacts`,
          org.apiKey,
          { contacts: list },
        );
        return response.status;
      }
      const result = await server.graphql(
        remove
          ? REMOVE
          : 'mutation($id: ID!, $contacts: [ID!]!) { addContactsToAudience(id: $id, contacts: $contacts) }',
        { id: audience.id, contacts: list },
        org.apiKey,
      );
      return result.errors ? 400 : 200;
    }),
  );
  // Poisoned calls fail whole; the others succeed; none fails otherwise (no deadlock, no 5xx).
  expect(results).toEqual(calls.map((one) => (one.poisoned ? 400 : 200)));
  const rows = await server.countRows('audience_contact', { audience_id: audience.id });
  expect(await contactCount(audience.id)).toBe(rows);
  const counted = await server.graphql(
    'query($id: ID!) { audience(id: $id) { contactCount contacts { meta { total } } } }',
    { id: audience.id },
    org.apiKey,
  );
  expect(counted.data!.audience.contactCount).toBe(rows);
  expect(counted.data!.audience.contacts.meta.total).toBe(rows);
});
