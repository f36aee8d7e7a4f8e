import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { GraphQLObjectType, GraphQLSchema, lexicographicSortSchema } from 'graphql';

// Federation 2, and the one directive this subgraph uses.
const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';
// Left out of the SDL a router composes: what a router adds to a subgraph itself, and Relay's
// root fields, which a supergraph resolves once for all its subgraphs (another subgraph's `node`
// would clash with this one's: fields of Query are not shareable). Clients of this service alone
// have them (schema.graphql). Subscriptions too: they are served over this service's own
// WebSocket, which a router does not proxy.
const LEFT_OUT_FIELDS = ['_service', '_entities', 'node', 'nodes'];
const FEDERATION_TYPES = ['_Service', '_Entity', '_Any'];

const printed = new WeakMap<GraphQLSchema, string>();

/**
 * The subgraph schema a router composes, from the schema being served: the client schema
 * (schema.graphql) with the `@key` of each entity type and the federation link, without the
 * federation fields themselves nor Relay's `node` and `nodes`. Committed as schema.subgraph.graphql; worked out once per schema.
 */
export function subgraphSdlOf(schema: GraphQLSchema): string {
  let sdl = printed.get(schema);
  if (sdl === undefined) {
    sdl = `${LINK}\n\n${printSchemaWithDirectives(lexicographicSortSchema(withoutFederation(schema)))}\n`;
    printed.set(schema, sdl);
  }
  return sdl;
}

function withoutFederation(schema: GraphQLSchema): GraphQLSchema {
  const config = schema.toConfig();
  const query = schema.getQueryType()!;
  const queryConfig = query.toConfig();
  const clientQuery = new GraphQLObjectType({
    ...queryConfig,
    fields: Object.fromEntries(
      Object.entries(queryConfig.fields).filter(([name]) => !LEFT_OUT_FIELDS.includes(name)),
    ),
  });
  const subscription = schema.getSubscriptionType();
  return new GraphQLSchema({
    ...config,
    query: clientQuery,
    subscription: undefined,
    types: config.types.filter(
      (type) => type !== query && type !== subscription && !FEDERATION_TYPES.includes(type.name),
    ),
  });
}
