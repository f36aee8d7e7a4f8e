import { issueApiKey } from '../src/organization/api-key.service';
import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

const FIELDS =
  'id organizationId name description createdAt updatedAt deletedAt createdBy updatedBy deletedBy';
const CREATE = `mutation Create($input: CreateAudienceInput!) { createAudience(input: $input) { ${FIELDS} } }`;
const UPDATE = `mutation Update($id: ID!, $input: UpdateAudienceInput!) { updateAudience(id: $id, input: $input) { ${FIELDS} } }`;
const DELETE = `mutation Delete($id: ID!) { deleteAudience(id: $id) { ${FIELDS} } }`;

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

async function audienceRows(organizationId: string) {
  return server.db('audience').where({ organization_id: organizationId }).select('*');
}

describe('createAudience', () => {
  test('creates an audience with every field set as the contract says', async () => {
    const org = await TestOrganization.create(server.db);
    const before = Date.now();
    const result = await server.graphql(
      CREATE,
      {
        input: {
          name: 'VIP Customers',
          description: 'High-value customers for priority campaigns',
        },
      },
      org.apiKey,
    );
    expect(result.errors).toBeUndefined();
    const audience = result.data!.createAudience;
    expect(audience).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      organizationId: org.organizationId,
      name: 'VIP Customers',
      description: 'High-value customers for priority campaigns',
      createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      updatedAt: audience.createdAt,
      deletedAt: null,
      createdBy: org.userId,
      updatedBy: org.userId,
      deletedBy: null,
    });
    expect(Date.parse(audience.createdAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(await audienceRows(org.organizationId)).toHaveLength(1);
  });

  test('description is optional', async () => {
    const org = await TestOrganization.create(server.db);
    const result = await server.graphql(CREATE, { input: { name: 'No description' } }, org.apiKey);
    expect(result.data!.createAudience.description).toBeNull();
  });

  test.each([
    ['a 3-character name', { name: 'abc' }],
    ['a 64-character name', { name: 'n'.repeat(64) }],
    ['a 256-character description', { name: 'Long description', description: 'd'.repeat(256) }],
    ['an empty description', { name: 'Empty description', description: '' }],
    ['a unicode name', { name: 'Clients fidèles 🎯' }],
  ])('accepts %s', async (_label, input) => {
    const org = await TestOrganization.create(server.db);
    const result = await server.graphql(CREATE, { input }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data!.createAudience).toMatchObject(input);
  });

  test.each([
    [
      'a 2-character name',
      { name: 'ab' },
      'name',
      'name must be longer than or equal to 3 characters',
    ],
    [
      'a 65-character name',
      { name: 'n'.repeat(65) },
      'name',
      'name must be shorter than or equal to 64 characters',
    ],
    ['a blank name', { name: '    ' }, 'name', 'name must not be blank'],
    [
      'a 257-character description',
      { name: 'Fine', description: 'd'.repeat(257) },
      'description',
      'description must be shorter than or equal to 256 characters',
    ],
  ])(
    'refuses %s with BAD_USER_INPUT naming the field, and writes nothing',
    async (_label, input, field, message) => {
      const org = await TestOrganization.create(server.db);
      const result = await server.graphql(CREATE, { input }, org.apiKey);
      const error = onlyError(result);
      expect(error.extensions.code).toBe('BAD_USER_INPUT');
      expect(error.extensions.fields).toEqual([{ field, messages: [message] }]);
      expect(result.data).toBeNull();
      expect(await audienceRows(org.organizationId)).toHaveLength(0);
    },
  );

  test('a missing name is refused by GraphQL with BAD_USER_INPUT', async () => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(
      await server.graphql(CREATE, { input: { description: 'x' } }, org.apiKey),
    );
    expect(error.extensions.code).toBe('BAD_USER_INPUT');
    expect(error.message).toContain('name');
  });
});

describe('updateAudience', () => {
  test('changes what is given, keeps the rest, and records who and when', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Original', { description: 'Original description' });
    await new Promise((resolve) => setTimeout(resolve, 5));
    const renamed = await server.graphql(
      UPDATE,
      { id: audience.id, input: { name: 'Renamed' } },
      org.apiKey,
    );
    expect(renamed.errors).toBeUndefined();
    expect(renamed.data!.updateAudience).toMatchObject({
      id: audience.id,
      name: 'Renamed',
      description: 'Original description',
      createdAt: audience.createdAt.toISOString(),
      updatedBy: org.userId,
    });
    expect(Date.parse(renamed.data!.updateAudience.updatedAt)).toBeGreaterThan(
      audience.updatedAt.getTime(),
    );

    const described = await server.graphql(
      UPDATE,
      { id: audience.id, input: { description: 'New' } },
      org.apiKey,
    );
    expect(described.data!.updateAudience).toMatchObject({ name: 'Renamed', description: 'New' });
  });

  test('a second user of the organization becomes updatedBy', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Shared');
    const [user] = await server
      .db('app_user')
      .insert({ organization_id: org.organizationId, name: 'Second' })
      .returning('id');
    const { apiKey } = await issueApiKey(server.db, org.organizationId, user.id);
    const result = await server.graphql(
      UPDATE,
      { id: audience.id, input: { name: 'Touched' } },
      apiKey,
    );
    expect(result.data!.updateAudience).toMatchObject({
      createdBy: org.userId,
      updatedBy: user.id,
    });
  });

  test('an empty input changes nothing, updatedAt and updatedBy included', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Untouched', { description: 'as is' });
    const result = await server.graphql(UPDATE, { id: audience.id, input: {} }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateAudience).toMatchObject({
      name: 'Untouched',
      description: 'as is',
      updatedAt: audience.updatedAt.toISOString(),
      updatedBy: audience.updatedBy,
    });
    const missing = await server.graphql(
      UPDATE,
      { id: '00000000-0000-4000-8000-000000000000', input: {} },
      org.apiKey,
    );
    expect(onlyError(missing).extensions.code).toBe('NOT_FOUND');
  });

  test.each([
    ['a 1-character description', { description: 'd' }],
    ['a 256-character description', { description: 'd'.repeat(256) }],
    ['a 3-character name', { name: 'abc' }],
    ['a 64-character name', { name: 'n'.repeat(64) }],
  ])('accepts %s', async (_label, input) => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Bounds');
    const result = await server.graphql(UPDATE, { id: audience.id, input }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data!.updateAudience).toMatchObject(input);
  });

  test.each([
    [
      'an empty description',
      { description: '' },
      'description',
      'description must be longer than or equal to 1 characters',
    ],
    [
      'a 257-character description',
      { description: 'd'.repeat(257) },
      'description',
      'description must be shorter than or equal to 256 characters',
    ],
    [
      'a 2-character name',
      { name: 'ab' },
      'name',
      'name must be longer than or equal to 3 characters',
    ],
    [
      'a 65-character name',
      { name: 'n'.repeat(65) },
      'name',
      'name must be shorter than or equal to 64 characters',
    ],
  ])('refuses %s and leaves the audience as it was', async (_label, input, field, message) => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Untouched', { description: 'Untouched' });
    const error = onlyError(await server.graphql(UPDATE, { id: audience.id, input }, org.apiKey));
    expect(error.extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [{ field, messages: [message] }],
    });
    const [row] = await audienceRows(org.organizationId);
    expect(row).toMatchObject({ name: 'Untouched', description: 'Untouched' });
    expect(new Date(row.updated_at).getTime()).toBe(audience.updatedAt.getTime());
  });

  test('an unknown or deleted audience is NOT_FOUND', async () => {
    const org = await TestOrganization.create(server.db);
    const unknown = await server.graphql(
      UPDATE,
      { id: '00000000-0000-4000-8000-000000000001', input: { name: 'Nope' } },
      org.apiKey,
    );
    expect(onlyError(unknown).extensions.code).toBe('NOT_FOUND');
    const audience = await org.audience('Deleted');
    await org.audiences.delete(audience.id);
    const deleted = await server.graphql(
      UPDATE,
      { id: audience.id, input: { name: 'Revived' } },
      org.apiKey,
    );
    expect(onlyError(deleted).extensions.code).toBe('NOT_FOUND');
    const [row] = await audienceRows(org.organizationId);
    expect(row.name).toBe('Deleted');
  });
});

describe('deleteAudience', () => {
  test('soft-deletes: returns deletedAt and deletedBy, keeps the row and its members, hides it everywhere', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Doomed', { members: 2 });
    const result = await server.graphql(DELETE, { id: audience.id }, org.apiKey);
    expect(result.errors).toBeUndefined();
    const deleted = result.data!.deleteAudience;
    expect(deleted).toMatchObject({ id: audience.id, name: 'Doomed', deletedBy: org.userId });
    expect(Date.parse(deleted.deletedAt)).toBeGreaterThanOrEqual(audience.createdAt.getTime());

    const rows = await audienceRows(org.organizationId);
    expect(rows).toHaveLength(1);
    expect(rows[0].deleted_by).toBe(org.userId);
    expect(await server.countRows('audience_contact', { audience_id: audience.id })).toBe(2);

    const listed = await server.graphql(
      '{ audiences { data { id } meta { total } } }',
      {},
      org.apiKey,
    );
    expect(listed.data!.audiences).toEqual({ data: [], meta: { total: 0 } });
    const fetched = await server.graphql(
      'query($id: ID!) { audience(id: $id) { id } }',
      { id: audience.id },
      org.apiKey,
    );
    expect(onlyError(fetched).extensions.code).toBe('NOT_FOUND');
  });

  test('a second delete is NOT_FOUND and changes nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const audience = await org.audience('Twice');
    const first = await server.graphql(DELETE, { id: audience.id }, org.apiKey);
    const second = await server.graphql(DELETE, { id: audience.id }, org.apiKey);
    expect(onlyError(second).extensions.code).toBe('NOT_FOUND');
    const [row] = await audienceRows(org.organizationId);
    expect(new Date(row.deleted_at).toISOString()).toBe(first.data!.deleteAudience.deletedAt);
  });

  test('a malformed id is BAD_USER_INPUT', async () => {
    const org = await TestOrganization.create(server.db);
    const error = onlyError(await server.graphql(DELETE, { id: 'not-a-uuid' }, org.apiKey));
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ field: 'id' }] });
  });
});
