import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const LIST = `query List($page: Int, $limit: Int, $search: String, $sortBy: AudienceSortField, $sortOrder: SortOrder) {
  audiences(page: $page, limit: $limit, search: $search, sortBy: $sortBy, sortOrder: $sortOrder) {
    data { id organizationId name description createdAt updatedAt deletedAt createdBy updatedBy deletedBy contactCount }
    meta { page limit total totalPages hasNextPage hasPreviousPage }
  }
}`;

const ONE = `query One($id: ID!) { audience(id: $id) { id name description contactCount deletedAt } }`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

async function list(org: TestOrganization, args: Record<string, unknown> = {}) {
  const result = await server.graphql(LIST, args, org.apiKey);
  expect(result.errors).toBeUndefined();
  return result.data!.audiences as {
    data: Record<string, any>[];
    meta: Record<string, number | boolean>;
  };
}

describe('audiences: pagination meta', () => {
  test('an organization with no audiences gets an empty first page', async () => {
    const org = await TestOrganization.create(server.db);
    expect(await list(org)).toEqual({
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

  test('defaults are page 1, limit 20, newest first; pages walk to the end without overlap', async () => {
    const org = await TestOrganization.create(server.db);
    const created = [];
    for (let index = 0; index < 45; index += 1)
      created.push(await org.audience(`Audience ${index}`));
    const first = await list(org);
    expect(first.meta).toEqual({
      page: 1,
      limit: 20,
      total: 45,
      totalPages: 3,
      hasNextPage: true,
      hasPreviousPage: false,
    });
    // Newest first; audiences created within the same millisecond follow by id, descending.
    const newestFirst = [...created].sort(
      (a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1),
    );
    expect(first.data.map((a) => a.id)).toEqual(newestFirst.slice(0, 20).map((a) => a.id));

    const last = await list(org, { page: 3 });
    expect(last.meta).toEqual({
      page: 3,
      limit: 20,
      total: 45,
      totalPages: 3,
      hasNextPage: false,
      hasPreviousPage: true,
    });
    expect(last.data).toHaveLength(5);

    const pastTheEnd = await list(org, { page: 4 });
    expect(pastTheEnd.data).toEqual([]);
    expect(pastTheEnd.meta).toEqual({
      page: 4,
      limit: 20,
      total: 45,
      totalPages: 3,
      hasNextPage: false,
      hasPreviousPage: true,
    });

    const ids = [];
    for (let page = 1; page <= 3; page += 1)
      ids.push(...(await list(org, { page })).data.map((a) => a.id));
    expect(new Set(ids).size).toBe(45);
  });

  test('limit is taken from 1 to 100', async () => {
    const org = await TestOrganization.create(server.db);
    for (let index = 0; index < 3; index += 1) await org.audience(`Audience ${index}`);
    expect((await list(org, { limit: 1 })).meta).toMatchObject({
      limit: 1,
      totalPages: 3,
      hasNextPage: true,
    });
    expect((await list(org, { limit: 100 })).meta).toMatchObject({ limit: 100, totalPages: 1 });
  });

  test.each([
    ['limit 0', { limit: 0 }, 'limit', 'limit must not be less than 1'],
    ['limit 101', { limit: 101 }, 'limit', 'limit must not be greater than 100'],
    ['page 0', { page: 0 }, 'page', 'page must not be less than 1'],
    ['page -5', { page: -5 }, 'page', 'page must not be less than 1'],
    [
      'a 257-character search',
      { search: 'x'.repeat(257) },
      'search',
      'search must be shorter than or equal to 256 characters',
    ],
  ])('%s is refused with BAD_USER_INPUT naming %s', async (_label, args, field, message) => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(await server.graphql(LIST, args, org.apiKey));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toBe(message);
    expect(error.extensions.fields).toEqual([{ field, messages: [message] }]);
  });

  test('values outside the enums are refused by GraphQL itself', async () => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(await server.graphql(LIST, { sortBy: 'password' }, org.apiKey));
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('sortBy');
  });
});

describe('audiences: search and sort', () => {
  let org: TestOrganization;
  beforeAll(async () => {
    org = await TestOrganization.create(server.db);
    await org.audience('VIP Customers', { description: 'High-value customers' });
    await org.audience('Newsletter', { description: 'Monthly news for vips' });
    await org.audience('Dormant', { description: 'No purchase in 100% of months' });
    await org.audience('Under_score');
  });

  test('search is a case-insensitive substring of name or description', async () => {
    const found = await list(org, { search: 'vip', sortBy: 'name', sortOrder: 'asc' });
    expect(found.data.map((a) => a.name)).toEqual(['Newsletter', 'VIP Customers']);
    expect(found.meta.total).toBe(2);
  });

  test('LIKE wildcards in search are taken literally', async () => {
    expect((await list(org, { search: '100%' })).data.map((a) => a.name)).toEqual(['Dormant']);
    expect((await list(org, { search: 'n_e' })).data).toEqual([]);
    expect((await list(org, { search: 'r_sc' })).data.map((a) => a.name)).toEqual(['Under_score']);
  });

  test('an empty or blank search matches everything', async () => {
    expect((await list(org, { search: '   ' })).meta.total).toBe(4);
  });

  test('sorts by name both ways', async () => {
    const asc = await list(org, { sortBy: 'name', sortOrder: 'asc' });
    expect(asc.data.map((a) => a.name)).toEqual([
      'Dormant',
      'Newsletter',
      'Under_score',
      'VIP Customers',
    ]);
    const desc = await list(org, { sortBy: 'name', sortOrder: 'desc' });
    expect(desc.data.map((a) => a.name)).toEqual([
      'VIP Customers',
      'Under_score',
      'Newsletter',
      'Dormant',
    ]);
  });

  test('sorts by createdAt and updatedAt', async () => {
    const oldestFirst = await list(org, { sortBy: 'createdAt', sortOrder: 'asc' });
    const times = oldestFirst.data.map((a) => a.createdAt as string);
    expect(times).toEqual([...times].sort());
    const newestFirst = await list(org, { sortBy: 'createdAt', sortOrder: 'desc' });
    expect(newestFirst.data.map((a) => a.id)).toEqual(oldestFirst.data.map((a) => a.id).reverse());
    const vip = oldestFirst.data.find((a) => a.name === 'VIP Customers');
    await new Promise((resolve) => setTimeout(resolve, 5));
    await org.audiences.update(vip!.id, { description: 'touched' });
    const recentlyUpdated = await list(org, { sortBy: 'updatedAt', sortOrder: 'desc' });
    expect(recentlyUpdated.data[0]!.name).toBe('VIP Customers');
    const leastRecentlyUpdated = await list(org, { sortBy: 'updatedAt', sortOrder: 'asc' });
    expect(leastRecentlyUpdated.data.at(-1)!.name).toBe('VIP Customers');
  });

  test('ties are broken by id, so pages of equal names never overlap or skip', async () => {
    const twins = await TestOrganization.create(server.db);
    const created = [];
    for (let index = 0; index < 7; index += 1) created.push(await twins.audience('Same name'));
    const ids = [];
    for (let page = 1; page <= 4; page += 1) {
      ids.push(
        ...(await list(twins, { sortBy: 'name', sortOrder: 'asc', limit: 2, page })).data.map(
          (a) => a.id,
        ),
      );
    }
    expect(ids).toEqual(created.map((a) => a.id).sort());
  });
});

describe('audience(id)', () => {
  test('returns every field of a live audience', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Everything', { description: 'All fields', members: 3 });
    const result = await list(org);
    expect(result.data).toEqual([
      {
        id: audience.id,
        organizationId: org.organizationId,
        name: 'Everything',
        description: 'All fields',
        createdAt: audience.createdAt.toISOString(),
        updatedAt: audience.updatedAt.toISOString(),
        deletedAt: null,
        createdBy: org.userId,
        updatedBy: org.userId,
        deletedBy: null,
        contactCount: 3,
      },
    ]);
    expect(result.data[0]!.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const one = await server.graphql(ONE, { id: audience.id }, org.apiKey);
    expect(one).toEqual({
      status: 200,
      data: {
        audience: {
          id: audience.id,
          name: 'Everything',
          description: 'All fields',
          contactCount: 3,
          deletedAt: null,
        },
      },
    });
  });

  test('an unknown id gives null and NOT_FOUND', async () => {
    const org = await TestOrganization.create(server.db);
    const result = await server.graphql(
      ONE,
      { id: '00000000-0000-4000-8000-000000000000' },
      org.apiKey,
    );
    expect(result.data).toEqual({ audience: null });
    expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
  });

  test('a deleted audience gives null and NOT_FOUND', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Soon gone');
    await org.audiences.delete(audience.id);
    const result = await server.graphql(ONE, { id: audience.id }, org.apiKey);
    expect(result.data).toEqual({ audience: null });
    expect(onlyError(result).extensions.code).toBe('NOT_FOUND');
  });

  test('an id that is not a UUID is BAD_USER_INPUT naming id', async () => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(await server.graphql(ONE, { id: "1' or '1'='1" }, org.apiKey));
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field: 'id', messages: ['id must be a UUID'] }],
    });
  });
});
