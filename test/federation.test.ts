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
  expect(committed).toContain('type Audience implements Node @key(fields: "id")');
  expect(committed).toContain('type Contact implements Node @key(fields: "id")');
  expect(committed).not.toContain('_entities');
  // The client schema stays free of federation's fields.
  const client = await readFile(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
  expect(client).not.toMatch(/_service|_entities|_Any|@key/);
});

test('the subgraph composes beside another that answers Relay’s node(id) itself: it leaves node and nodes out', async () => {
  const sdl = (await server.graphql('{ _service { sdl } }')).data!._service.sdl as string;
  expect(sdl).not.toMatch(/^\s+nodes?\(/m);
  expect(sdl).toContain('interface Node');
  const client = await readFile(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
  expect(client).toMatch(/^\s+node\(/m);
  const relay = parse(`
    extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])
    interface Node { id: ID! }
    type Campaign implements Node @key(fields: "id") { id: ID! name: String! }
    type Query { node(id: ID!): Node }
  `);
  const composed = composeServices([
    { name: 'audiences', typeDefs: parse(sdl), url: `${server.url}/graphql` },
    { name: 'relay', typeDefs: relay, url: 'http://relay.invalid/graphql' },
  ]);
  expect(composed.errors).toBeUndefined();
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
  // Without a key, nothing is resolved.
  const anonymous = await server.graphql(ENTITIES, {
    representations: representations.slice(0, 2),
  });
  expect(onlyError(anonymous).extensions.code).toBe('UNAUTHENTICATED');
});

test('a batch past 1000 entities is served in chunks, one statement per 1000 distinct ids; repeats are read once', async () => {
  const org = await TestOrganization.create(server.db);
  const contacts = await org.contacts(2_500);
  const audience = await org.audience('Repeated');
  // What @apollo/gateway sends for 1,001 campaigns of one audience: the same entity 1,001 times.
  const repeated = Array.from({ length: 1_001 }, () => ({
    __typename: 'Audience',
    id: audience.id,
  }));
  // What Hive Gateway sends for 2,500 distinct contacts.
  const distinct = contacts.map((contact) => ({ __typename: 'Contact', id: contact.id }));
  let result: Awaited<ReturnType<typeof server.graphql<any>>> | undefined;
  const { sql } = await server.countStatements(async () => {
    result = await server.graphql(
      ENTITIES,
      { representations: [...repeated, ...distinct] },
      org.apiKey,
    );
  });
  expect(result!.errors).toBeUndefined();
  const entities = result!.data!._entities as { id: string }[];
  expect(entities).toHaveLength(3_501);
  expect(entities.slice(0, 1_001).every((entity) => entity.id === audience.id)).toBe(true);
  expect(entities.slice(1_001).map((entity) => entity.id)).toEqual(contacts.map((c) => c.id));
  const audienceReads = sql.filter((statement) => /from "?audience"? /.test(statement));
  const contactReads = sql.filter((statement) => /from "?contact"? /.test(statement));
  expect(audienceReads).toHaveLength(1);
  expect(contactReads).toHaveLength(3);
});

test('the operation cost bounds a batch: each distinct entity counts its selection once', async () => {
  const org = await TestOrganization.create(server.db);
  // 12,000 distinct made-up ids selecting 20 contacts each: far past the cost, refused unread.
  const representations = Array.from({ length: 12_000 }, (_, index) => ({
    __typename: 'Audience',
    id: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
  }));
  let result: Awaited<ReturnType<typeof server.graphql<any>>> | undefined;
  const { sql } = await server.countStatements(async () => {
    result = await server.graphql(
      `query($representations: [_Any!]!) {
         _entities(representations: $representations) { ... on Audience { id contacts { data { id } } } }
       }`,
      { representations },
      org.apiKey,
    );
  });
  expect(result!.status).toBe(400);
  expect(onlyError(result!).extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
  expect(onlyError(result!).message).toMatch(/cost limit/);
  expect(sql.filter((statement) => /from "?audience"? /.test(statement))).toEqual([]);
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
  const gateway = await startSupergraph(campaigns);
  try {
    const response = await fetch(gateway.url, {
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
    await gateway.stop();
  }
});

test('through @apollo/gateway, the audiences of 1,001 campaigns (one entity repeated 1,001 times) all resolve', async () => {
  const org = await TestOrganization.create(server.db);
  const audience = await org.audience('Everyone', { members: 2 });
  const gateway = await startSupergraph(
    Array.from({ length: 1_001 }, (_, index) => ({
      id: `c${index}`,
      name: `Campaign ${index}`,
      audienceId: audience.id,
    })),
  );
  try {
    const response = await fetch(gateway.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
      body: JSON.stringify({ query: '{ campaigns { name audience { id name contactCount } } }' }),
    });
    const body = (await response.json()) as { data: any; errors?: unknown };
    expect(body.errors).toBeUndefined();
    expect(body.data.campaigns).toHaveLength(1_001);
    for (const campaign of body.data.campaigns) {
      expect(campaign.audience).toEqual({ id: audience.id, name: 'Everyone', contactCount: 2 });
    }
  } finally {
    await gateway.stop();
  }
});

/**
 * This subgraph composed with a campaigns subgraph serving `campaigns`, behind @apollo/gateway,
 * which passes the client's x-api-key on to this service.
 */
async function startSupergraph(
  campaigns: { id: string; name: string; audienceId: string }[],
): Promise<{ url: string; stop: () => Promise<void> }> {
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
  return {
    url: gatewayUrl,
    stop: async () => {
      await gatewayServer.stop();
      await campaignsServer.stop();
    },
  };
}
