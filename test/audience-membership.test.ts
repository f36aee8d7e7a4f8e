import { randomUUID } from 'node:crypto';
import { TestOrganization } from './support/fixtures';
import { type GraphQLResult, onlyError, TestServer } from './support/test-server';

const ADD = `mutation Add($id: ID!, $contacts: [ID!]!) { addContactsToAudience(id: $id, contacts: $contacts) }`;
const MEMBERS = `query Members($id: ID!, $page: Int, $limit: Int, $search: String, $sortBy: ContactSortField, $sortOrder: SortOrder) {
  audience(id: $id) {
    contactCount
    contacts(page: $page, limit: $limit, search: $search, sortBy: $sortBy, sortOrder: $sortOrder) {
      data { id organizationId firstName lastName primaryPhone primaryEmail createdAt updatedAt }
      meta { page limit total totalPages hasNextPage hasPreviousPage }
    }
  }
}`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

describe('addContactsToAudience', () => {
  test('returns the requested ids, de-duplicated, in request order, and records who added them', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Target');
    const [a, b, c] = await org.contacts(3);
    const requested = [c!.id, a!.id, c!.id, b!.id.toUpperCase(), a!.id];
    const result = await server.graphql(ADD, { id: audience.id, contacts: requested }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data!.addContactsToAudience).toEqual([c!.id, a!.id, b!.id]);
    expect(await server.memberIds(audience.id)).toEqual([a!.id, b!.id, c!.id].sort());
    const rows = await server
      .db('audience_contact')
      .where({ audience_id: audience.id })
      .select('added_by');
    expect(rows.every((row: { added_by: string }) => row.added_by === org.userId)).toBe(true);
  });

  test('adding members again is no error and makes no duplicate', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(4);
    const audience = await org.audience('Idempotent', { members: contacts.slice(0, 2) });
    const ids = contacts.map((contact) => contact.id);
    const result = await server.graphql(ADD, { id: audience.id, contacts: ids }, org.apiKey);
    expect(result.data!.addContactsToAudience).toEqual(ids);
    const again = await server.graphql(ADD, { id: audience.id, contacts: ids }, org.apiKey);
    expect(again.errors).toBeUndefined();
    expect(await server.memberIds(audience.id)).toEqual([...ids].sort());
  });

  test('unknown or foreign contact ids fail the whole call, list those ids, and add nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db, 'Other');
    const [mine] = await org.contacts(1);
    const [theirs] = await other.contacts(1);
    const audience = await org.audience('Guarded');
    const unknown = randomUUID();
    const result = await server.graphql(
      ADD,
      { id: audience.id, contacts: [mine!.id, theirs!.id, unknown] },
      org.apiKey,
    );
    const error = onlyError(result);
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.extensions.fields).toEqual([
      { field: 'contacts', messages: [expect.stringContaining(theirs!.id)] },
    ]);
    expect([...(error.extensions.unknownContactIds as string[])].sort()).toEqual(
      [theirs!.id, unknown].sort(),
    );
    expect(error.message).toContain(unknown);
    expect(await server.memberIds(audience.id)).toEqual([]);
  });

  test.each([
    ['an empty list', () => [], 'contacts should not be empty'],
    [
      'a non-UUID id',
      () => [randomUUID(), 'robert"); drop table contact;--'],
      'each value in contacts must be a UUID',
    ],
    [
      '10,001 ids',
      () => Array.from({ length: 10_001 }, () => randomUUID()),
      'contacts must contain no more than 10000 elements',
    ],
  ])('refuses %s with BAD_USER_INPUT naming contacts', async (_label, contacts, message) => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Strict');
    const error = onlyError(
      await server.graphql(ADD, { id: audience.id, contacts: contacts() }, org.apiKey),
    );
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'contacts', messages: [message] }],
    });
    expect(await server.memberIds(audience.id)).toEqual([]);
  });

  test('adds 10,000 contacts in one INSERT statement', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Big');
    const ids = (await org.contacts(10_000)).map((contact) => contact.id);
    let result: GraphQLResult | undefined;
    const { sql } = await server.countStatements(async () => {
      result = await server.graphql(ADD, { id: audience.id, contacts: ids }, org.apiKey);
    });
    expect(result!.errors).toBeUndefined();
    expect(result!.data!.addContactsToAudience).toHaveLength(10_000);
    expect(sql.filter((statement) => /insert into/i.test(statement))).toHaveLength(1);
    expect(await server.countRows('audience_contact', { audience_id: audience.id })).toBe(10_000);
  });

  test('an unknown or deleted audience is NOT_FOUND', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact] = await org.contacts(1);
    const unknown = await server.graphql(
      ADD,
      { id: randomUUID(), contacts: [contact!.id] },
      org.apiKey,
    );
    expect(onlyError(unknown).extensions.code).toBe('NOT_FOUND');
    const audience = await org.audience('Gone');
    await org.audiences.delete(audience.id);
    const deleted = await server.graphql(
      ADD,
      { id: audience.id, contacts: [contact!.id] },
      org.apiKey,
    );
    expect(onlyError(deleted).extensions.code).toBe('NOT_FOUND');
    expect(await server.memberIds(audience.id)).toEqual([]);
  });
});

describe('Audience.contactCount and Audience.contacts', () => {
  let org: TestOrganization;
  let audienceId: string;
  beforeAll(async () => {
    org = await TestOrganization.create(server.db);
    const names = ['John', 'johnny', 'Amina', 'Sara', 'Omar'];
    const contacts = await org.contacts(25, (index) => ({
      firstName: names[index % names.length],
      lastName: `Family${String(index).padStart(2, '0')}`,
      primaryEmail: index % 2 === 0 ? `c${index}@example.com` : undefined,
    }));
    await org.contacts(5); // not members
    audienceId = (await org.audience('Members', { members: contacts })).id;
  });

  async function members(args: Record<string, unknown> = {}) {
    const result = await server.graphql(MEMBERS, { id: audienceId, ...args }, org.apiKey);
    expect(result.errors).toBeUndefined();
    return result.data!.audience;
  }

  test('counts members and pages through them with the contract defaults', async () => {
    const first = await members();
    expect(first.contactCount).toBe(25);
    expect(first.contacts.meta).toEqual({
      page: 1,
      limit: 20,
      total: 25,
      totalPages: 2,
      hasNextPage: true,
      hasPreviousPage: false,
    });
    expect(Object.keys(first.contacts.data[0]).sort()).toEqual([
      'createdAt',
      'firstName',
      'id',
      'lastName',
      'organizationId',
      'primaryEmail',
      'primaryPhone',
      'updatedAt',
    ]);
    expect(first.contacts.data[0]).toMatchObject({
      id: expect.any(String),
      organizationId: org.organizationId,
      firstName: expect.any(String),
      lastName: expect.any(String),
      primaryPhone: expect.stringMatching(/^\+\d+$/),
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    const emails = first.contacts.data.map(
      (contact: { primaryEmail: string | null }) => contact.primaryEmail,
    );
    expect(emails).toContain(null);
    expect(emails.filter(Boolean).every((email: string) => email.endsWith('@example.com'))).toBe(
      true,
    );
    const second = await members({ page: 2 });
    expect(second.contacts.meta).toMatchObject({
      page: 2,
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(second.contacts.data).toHaveLength(5);
    const past = await members({ page: 3 });
    expect(past.contacts.data).toEqual([]);
    const all = [...first.contacts.data, ...second.contacts.data].map(
      (contact: { id: string }) => contact.id,
    );
    expect(new Set(all).size).toBe(25);
  });

  test('searches firstName, lastName and primaryPhone, case-insensitively', async () => {
    const byFirst = await members({ search: 'JOHN', limit: 100 });
    expect(byFirst.contacts.meta.total).toBe(10);
    expect(
      byFirst.contacts.data.every((c: { firstName: string }) => /john/i.test(c.firstName)),
    ).toBe(true);
    expect(
      (await members({ search: 'family07' })).contacts.data.map(
        (c: { lastName: string }) => c.lastName,
      ),
    ).toEqual(['Family07']);
    const phone = (await members({ limit: 1 })).contacts.data[0].primaryPhone as string;
    expect(
      (await members({ search: phone.slice(3) })).contacts.data.map(
        (c: { primaryPhone: string }) => c.primaryPhone,
      ),
    ).toEqual([phone]);
    expect((await members({ search: 'nobody' })).contacts).toEqual({
      data: [],
      meta: {
        page: 1,
        limit: 20,
        total: 0,
        totalPages: 0,
        hasNextPage: false,
        hasPreviousPage: false,
      },
    });
  });

  test.each(['firstName', 'lastName', 'primaryPhone', 'createdAt'])(
    'sorts by %s both ways, ties by id',
    async (sortBy) => {
      const asc = (await members({ sortBy, sortOrder: 'asc', limit: 100 })).contacts.data as Record<
        string,
        string
      >[];
      const desc = (await members({ sortBy, sortOrder: 'desc', limit: 100 })).contacts
        .data as Record<string, string>[];
      expect(desc.map((c) => c.id)).toEqual(asc.map((c) => c.id).reverse());
      const keys = asc.map((c) => c[sortBy]!);
      for (let index = 1; index < asc.length; index += 1) {
        const previous = asc[index - 1]!;
        const current = asc[index]!;
        if (previous[sortBy] === current[sortBy]) expect(previous.id! < current.id!).toBe(true);
      }
      if (sortBy === 'createdAt' || sortBy === 'primaryPhone')
        expect(keys).toEqual([...keys].sort());
    },
  );

  test('validates its arguments like every list', async () => {
    const result = await server.graphql(MEMBERS, { id: audienceId, limit: 101 }, org.apiKey);
    expect(onlyError(result).extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'limit' }],
    });
  });

  test('one request asks for the members of several audiences', async () => {
    const many = await TestOrganization.create(server.db);
    const sizes = [0, 1, 3, 7];
    for (const size of sizes) await many.audience(`Size ${size}`, { members: size });
    const result = await server.graphql(
      `{ audiences(sortBy: name, sortOrder: asc) { data { name contactCount contacts(limit: 2) { data { id } meta { total } } } } }`,
      {},
      many.apiKey,
    );
    expect(result.data!.audiences.data).toEqual(
      sizes.map((size) => ({
        name: `Size ${size}`,
        contactCount: size,
        contacts: {
          data: Array.from({ length: Math.min(size, 2) }, () => ({ id: expect.any(String) })),
          meta: { total: size },
        },
      })),
    );
  });
});

test('ids of any UUID version or variant are taken, as PostgreSQL takes them', async () => {
  const org = await TestOrganization.create(server.db);
  const audience = await org.audience('Any version');
  const id = 'abede214-7a73-dc8b-4f92-a4546515470b'; // md5-shaped: no RFC 4122 version
  await server.db('contact').insert({
    id,
    organization_id: org.organizationId,
    first_name: 'Md',
    last_name: 'Five',
    primary_phone: '+15550001234',
  });
  const result = await server.graphql(ADD, { id: audience.id, contacts: [id] }, org.apiKey);
  expect(result.data).toEqual({ addContactsToAudience: [id] });
});

test('the kept contact count stays exact under concurrent, overlapping and failing adds', async () => {
  const org = await TestOrganization.create(server.db);
  const audience = await org.audience('Busy');
  const contacts = (await org.contacts(60)).map((contact) => contact.id);
  const calls = Array.from({ length: 12 }, (_, index) => {
    const ids = contacts.slice(index * 4, index * 4 + 15);
    // Every third call names a contact that does not exist: it must add nothing.
    if (index % 3 === 2) ids.push('00000000-0000-4000-8000-00000000dead');
    return server.graphql(ADD, { id: audience.id, contacts: ids }, org.apiKey);
  });
  const results = await Promise.all(calls);
  expect(results.filter((result) => result.errors).length).toBe(4);
  expect(
    results.every(
      (result) => !result.errors || result.errors[0]!.extensions.code === 'BAD_USER_INPUT',
    ),
  ).toBe(true);
  const rows = await server.countRows('audience_contact', { audience_id: audience.id });
  const kept = await server.db('audience').where({ id: audience.id }).first();
  expect(kept.contact_count).toBe(rows);
  const counted = await server.graphql(
    'query($id: ID!) { audience(id: $id) { contactCount } }',
    { id: audience.id },
    org.apiKey,
  );
  expect(counted.data!.audience.contactCount).toBe(rows);
});
