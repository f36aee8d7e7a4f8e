import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { startStandaloneServer } from '@apollo/server/standalone';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'graphql';
import { TestOrganization } from './support/fixtures';
import { onlyError, TestServer } from './support/test-server';

// This service as an Apollo Federation 2 subgraph: composed with a second subgraph (campaigns that
// target an audience by id) into a supergraph, served by a real gateway, queried across both.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Audience { id name contactCount }
    ... on Contact { id firstName }
  }
}`;

test('_service.sdl is the committed schema.subgraph.graphql: the client schema with @key on Audience and Contact', async () => {
  const committed = await readFile(path.join(__dirname, '..', 'schema.subgraph.graphql'), 'utf8');
  const result = await server.graphql('{ _service { sdl } }');
  expect(result.errors).toBeUndefined();
  expect(result.data!._service.sdl).toBe(committed);
  expect(committed).toContain('type Audience @key(fields: "id")');
  expect(committed).toContain('type Contact @key(fields: "id")');
  expect(committed).not.toContain('_entities');
  // The client schema stays free of federation's fields.
  const client = await readFile(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
  expect(client).not.toMatch(/_service|_entities|_Any|@key/);
});

test('_entities resolves a batch in order, one statement per type, only within the key’s organization', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const contacts = await org.contacts(3);
  const audience = await org.audience('Entity', { members: contacts });
  const deleted = await org.audience('Gone');
  await org.audiences.delete(deleted.id);
  const foreign = await other.audience('Foreign');
  const [foreignContact] = await other.contacts(1);
  const representations = [
    { __typename: 'Contact', id: contacts[1]!.id },
    { __typename: 'Audience', id: audience.id },
    { __typename: 'Audience', id: foreign.id },
    { __typename: 'Contact', id: foreignContact!.id },
    { __typename: 'Audience', id: deleted.id },
    { __typename: 'Audience', id: 'not-a-uuid' },
    { __typename: 'Contact', id: contacts[0]!.id.toUpperCase() },
    { __typename: 'Audience', id: audience.id },
  ];
  let result: Awaited<ReturnType<typeof server.graphql<any>>> | undefined;
  const { sql } = await server.countStatements(async () => {
    result = await server.graphql(ENTITIES, { representations }, org.apiKey);
  });
  expect(result!.errors).toBeUndefined();
  expect(result!.data!._entities).toEqual([
    { __typename: 'Contact', id: contacts[1]!.id, firstName: contacts[1]!.firstName },
    { __typename: 'Audience', id: audience.id, name: 'Entity', contactCount: 3 },
    null,
    null,
    null,
    null,
    { __typename: 'Contact', id: contacts[0]!.id, firstName: contacts[0]!.firstName },
    { __typename: 'Audience', id: audience.id, name: 'Entity', contactCount: 3 },
  ]);
  const reads = sql.filter((statement) => /from "?(audience|contact)"? /.test(statement));
  expect(reads).toHaveLength(2);

  // Not a representation of an entity type: bad input, naming the place.
  for (const bad of [{ __typename: 'Campaign', id: audience.id }, { __typename: 'Audience' }, 7]) {
    const refused = await server.graphql(ENTITIES, { representations: [bad] }, org.apiKey);
    expect(onlyError(refused).extensions.code).toBe('BAD_USER_INPUT');
    expect(onlyError(refused).message).toMatch(/^representations\[0\] must be/);
  }
  const tooMany = await server.graphql(
    ENTITIES,
    {
      representations: Array.from({ length: 1001 }, () => ({
        __typename: 'Audience',
        id: audience.id,
      })),
    },
    org.apiKey,
  );
  expect(onlyError(tooMany).extensions.code).toBe('BAD_USER_INPUT');
  // Without a key, nothing is resolved.
  const anonymous = await server.graphql(ENTITIES, {
    representations: representations.slice(0, 2),
  });
  expect(onlyError(anonymous).extensions.code).toBe('UNAUTHENTICATED');
});

test('composed with a campaigns subgraph behind a gateway, one query reads campaigns and their audiences’ members', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const contacts = await org.contacts(3, (index) => ({ firstName: `Member${index}` }));
  const spring = await org.audience('Spring sale', { members: contacts });
  const foreign = await other.audience('Not yours');

  const campaigns = [
    { id: 'c1', name: 'Spring launch', audienceId: spring.id },
    { id: 'c2', name: 'Stolen list', audienceId: foreign.id },
  ];
  const campaignsTypeDefs = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    type Campaign { id: ID! name: String! audience: Audience }
    type Audience @key(fields: "id", resolvable: false) { id: ID! }
    type Query { campaigns: [Campaign!]! }
  `);
  const campaignsServer = new ApolloServer({
    plugins: [ApolloServerPluginInlineTraceDisabled()],
    schema: buildSubgraphSchema([
      {
        typeDefs: campaignsTypeDefs,
        resolvers: {
          Query: { campaigns: () => campaigns },
          Campaign: {
            audience: (campaign: { audienceId: string }) => ({
              __typename: 'Audience',
              id: campaign.audienceId,
            }),
          },
        },
      },
    ]),
  });
  const { url: campaignsUrl } = await startStandaloneServer(campaignsServer, {
    listen: { port: 0, host: '127.0.0.1' },
  });

  const sdl = (await server.graphql('{ _service { sdl } }')).data!._service.sdl as string;
  const composed = composeServices([
    { name: 'audiences', typeDefs: parse(sdl), url: `${server.url}/graphql` },
    { name: 'campaigns', typeDefs: campaignsTypeDefs, url: campaignsUrl },
  ]);
  expect(composed.errors).toBeUndefined();

  const gateway = new ApolloGateway({
    supergraphSdl: composed.supergraphSdl!,
    buildService: ({ url }) =>
      new RemoteGraphQLDataSource<{ apiKey?: string }>({
        url,
        willSendRequest({ request, context }) {
          if (context.apiKey) request.http!.headers.set('x-api-key', context.apiKey);
        },
      }),
  });
  // @apollo/gateway 2 implements Apollo Server 4's gateway interface, which Apollo Server 5's
  // is at run time.
  const gatewayServer = new ApolloServer<{ apiKey?: string }>({ gateway: gateway as never });
  const { url: gatewayUrl } = await startStandaloneServer(gatewayServer, {
    listen: { port: 0, host: '127.0.0.1' },
    context: async ({ req }) => ({ apiKey: req.headers['x-api-key'] as string | undefined }),
  });
  try {
    const response = await fetch(gatewayUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
      body: JSON.stringify({
        query: `{ campaigns { name audience { id name contactCount
                  contacts(sortBy: firstName, sortOrder: asc) { data { firstName } } } } }`,
      }),
    });
    const body = (await response.json()) as { data: any; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.campaigns).toEqual([
      {
        name: 'Spring launch',
        audience: {
          id: spring.id,
          name: 'Spring sale',
          contactCount: 3,
          contacts: {
            data: [{ firstName: 'Member0' }, { firstName: 'Member1' }, { firstName: 'Member2' }],
          },
        },
      },
      // Another organization's audience: null, as the audience(id) query would answer.
      { name: 'Stolen list', audience: null },
    ]);
  } finally {
    await gatewayServer.stop();
    await campaignsServer.stop();
  }
});
