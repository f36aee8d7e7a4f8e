import {
  type GraphQLObjectType,
  type GraphQLSchema,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';
import { buildSchema, type PubSub } from 'type-graphql';
import { resolversOf } from '../features';

const NO_TOPICS: PubSub = {
  publish: () => {
    throw new Error('subscriptions here use no topics');
  },
  subscribe: () => {
    throw new Error('subscriptions here use no topics');
  },
};

/**
 * The schema the service serves: the client API, and (unless `federation: false`) the fields a
 * federation router calls, `_service` and `_entities`.
 */
export async function buildGraphQLSchema({ federation = true } = {}): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: resolversOf({ federation }),
    // Validation belongs to the service layer, which REST and the CLI share; validating here too
    // would run every rule twice.
    validate: false,
    // TypeGraphQL wants a PubSub once there is a subscription, though each subscription here
    // reads its own events (its `subscribe`, see event.resolver.ts): no topic is ever used.
    pubSub: NO_TOPICS,
  });
  // TypeGraphQL has no option for the root types' descriptions, and the playground shows them.
  describe(schema.getQueryType(), 'Reads, scoped to the organization of the x-api-key header.');
  describe(
    schema.getMutationType(),
    'Changes, made as the user of the x-api-key header. One change per operation, and its answer ' +
      'is checked before it runs: an error with `data: null` means nothing was changed.',
  );
  describe(
    schema.getSubscriptionType(),
    'Streams over graphql-ws at /graphql, scoped to the organization of the x-api-key in the connection payload.',
  );
  return schema;
}

function describe(type: GraphQLObjectType | null | undefined, description: string): void {
  if (type) type.description = description;
}

/**
 * The SDL committed as schema.graphql, the client API (without the federation fields): sorted, so
 * that it changes only when the API does.
 */
export async function printGraphQLSchema(): Promise<string> {
  return `${printSchema(lexicographicSortSchema(await buildGraphQLSchema({ federation: false })))}\n`;
}
