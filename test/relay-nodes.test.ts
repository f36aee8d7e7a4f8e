import { buildSchema, isInterfaceType, isNonNullType, parse, validate } from 'graphql';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

// Relay's global object identification: what its @refetchable fragments need of a server.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

// What relay-compiler writes for `fragment AudienceCard on Audience @refetchable(...)`.
const REFETCH = `query AudienceCardRefetchQuery($id: ID!) {
  node(id: $id) { __typename ...AudienceCard ...ContactCard id }
}
fragment AudienceCard on Audience { id name contactCount }
fragment ContactCard on Contact { id firstName }`;

test('schema.graphql has what Relay asks of a server: interface Node { id: ID! } and node(id: ID!): Node', async () => {
  const schema = buildSchema(await readFile(path.join(__dirname, '..', 'schema.graphql'), 'utf8'));
  const node = schema.getType('Node');
  expect(isInterfaceType(node)).toBe(true);
  if (!isInterfaceType(node)) return;
  expect(String(node.getFields().id!.type)).toBe('ID!');
  expect(
    schema
      .getPossibleTypes(node)
      .map((type) => type.name)
      .sort(),
  ).toEqual(['Audience', 'Contact']);
  const field = schema.getQueryType()!.getFields().node!;
  expect(String(field.type)).toBe('Node');
  expect(field.args.map((arg) => [arg.name, String(arg.type)])).toEqual([['id', 'ID!']]);
  expect(isNonNullType(schema.getQueryType()!.getFields().nodes!.type)).toBe(true);
  expect(validate(schema, parse(REFETCH))).toEqual([]);
});

test('node(id) refetches an audience or a contact of the key’s organization, and nothing else', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const [contact] = await org.contacts(1);
  const audience = await org.audience('Refetched', { members: [contact!] });
  const deleted = await org.audience('Deleted');
  await org.audiences.delete(deleted.id);
  const foreign = await other.audience('Foreign');
  const refetch = async (id: string) =>
    (await server.graphql(REFETCH, { id }, org.apiKey)).data?.node;
  expect(await refetch(audience.id)).toEqual({
    __typename: 'Audience',
    id: audience.id,
    name: 'Refetched',
    contactCount: 1,
  });
  expect(await refetch(contact!.id.toUpperCase())).toEqual({
    __typename: 'Contact',
    id: contact!.id,
    firstName: contact!.firstName,
  });
  for (const id of [deleted.id, foreign.id, '00000000-0000-4000-8000-000000000000']) {
    const result = await server.graphql(REFETCH, { id }, org.apiKey);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({ node: null });
  }
  const malformed = await server.graphql(REFETCH, { id: 'audience:1' }, org.apiKey);
  expect(onlyError(malformed).extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    fields: [{ field: 'id', messages: ['id must be a UUID'] }],
  });
  const anonymous = await server.graphql(REFETCH, { id: audience.id });
  expect(anonymous.status).toBe(401);
});

test('nodes(ids) answers in order, null where nothing is found, in one statement per type', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const contacts = await org.contacts(2);
  const audience = await org.audience('Listed');
  const [foreign] = await other.contacts(1);
  const ids = [contacts[1]!.id, foreign!.id, audience.id, contacts[0]!.id, audience.id];
  let result: Awaited<ReturnType<typeof server.graphql<any>>> | undefined;
  const { sql } = await server.countStatements(async () => {
    result = await server.graphql(
      'query($ids: [ID!]!) { nodes(ids: $ids) { __typename id } }',
      { ids },
      org.apiKey,
    );
  });
  expect(result!.errors).toBeUndefined();
  expect(result!.data!.nodes).toEqual([
    { __typename: 'Contact', id: contacts[1]!.id },
    null,
    { __typename: 'Audience', id: audience.id },
    { __typename: 'Contact', id: contacts[0]!.id },
    { __typename: 'Audience', id: audience.id },
  ]);
  expect(sql.filter((statement) => /from "?(audience|contact)"? /.test(statement))).toHaveLength(2);
  const tooMany = await server.graphql(
    'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
    { ids: Array.from({ length: 101 }, () => audience.id) },
    org.apiKey,
  );
  expect(onlyError(tooMany).extensions).toMatchObject({
    code: 'BAD_USER_INPUT',
    fields: [{ field: 'ids' }],
  });
  const badOne = await server.graphql(
    'query($ids: [ID!]!) { nodes(ids: $ids) { id } }',
    { ids: [audience.id, 'nope'] },
    org.apiKey,
  );
  expect(onlyError(badOne).extensions).toMatchObject({ fields: [{ field: 'ids[1]' }] });
});
