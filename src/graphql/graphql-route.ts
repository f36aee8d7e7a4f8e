import { ApolloServer } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import {
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginLandingPageDisabled,
} from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { toAppError } from '../common/database-errors';
import { errorCodeOfStatus, httpErrorOf } from '../common/http-errors';
import { wantsPlayground } from '../server/page-request';
import type { ApiKeyCache } from '../organization/api-key-cache';
import type { ReadRouting } from '../server/read-routing';
import {
  API_KEY_HEADER,
  createRequestContext,
  type RequestContext,
} from '../server/request-context';
import { compiledExecution } from './compiled-execution';
import { createErrorFormatter, toGraphQLError } from './format-error';
import { playgroundPage, type PlaygroundOptions, registerPlaygroundAssets } from './playground';
import { keyRequiredPlugin } from './key-required';
import { nestedArgumentsPlugin } from './nested-arguments';
import { oneMutationFieldRule } from './one-mutation';
import { operationCostPlugin } from './operation-cost';
import { operationLabelPlugin } from './operation-label';
import { responseMediaType } from './response-media-type';
import { buildGraphQLSchema } from './schema';
import { registerSubscriptions } from './subscriptions';
import { unavailableStatusPlugin } from './unavailable-status';

const GRAPHQL_BODY_LIMIT_BYTES = 4 * 1024 * 1024;

/**
 * Bounds on one operation, checked before it runs; a request past one fails validation with a
 * message that names the limit. Introspection (the playground's schema query) is exempt from depth.
 * The cost is ours (operation-cost.ts): graphql-armor's counts only literal `first` arguments.
 */
const OPERATION_LIMITS: ConstructorParameters<typeof ApolloArmor>[0] = {
  maxDepth: { n: 10, ignoreIntrospection: true },
  maxAliases: { n: 15 },
  maxDirectives: { n: 20 },
  // Tokens are bounded by the parser itself (parseOptions below), so that syntax errors keep
  // GRAPHQL_PARSE_FAILED.
  maxTokens: { enabled: false },
  costLimit: { enabled: false },
  blockFieldSuggestion: { enabled: false },
};
const MAX_TOKENS = 2000;

export interface GraphQLOptions {
  db: Knex;
  /** Where reads go (a replica, unless the key wrote lately); mutations run on `db`. */
  routing: ReadRouting;
  apiKeys: ApiKeyCache;
  introspection: boolean;
  /** GraphiQL for browsers at GET /graphql; undefined to serve none. */
  playground: PlaygroundOptions | undefined;
}

/** Apollo Server at /graphql (POST, and GET for queries), and the playground when enabled. */
export async function registerGraphQL(
  app: FastifyInstance,
  options: GraphQLOptions,
): Promise<void> {
  const schema = await buildGraphQLSchema();
  const apollo = await startApollo(app, options.introspection, schema);
  registerSubscriptions(app, { ...options, schema });
  const handleGraphQL = fastifyApolloHandler(apollo, {
    context: async (request) => {
      try {
        request.ctx = await createRequestContext(
          options.db,
          options.apiKeys,
          request.headers[API_KEY_HEADER],
          // Mutations run in a transaction on the primary (RequestContext.inTransaction).
          { routing: options.routing, writes: false },
        );
        return request.ctx;
      } catch (error) {
        const appError = toAppError(error);
        throw appError ? toGraphQLError(appError) : error;
      }
    },
  });
  const page = options.playground && playgroundPage(options.playground);
  if (options.playground) registerPlaygroundAssets(app);

  app.route<{ Reply: string }>({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    // recordOptOuts takes 100,000 phones, as POST /api/contacts/opt-outs does (4 MiB there too).
    bodyLimit: GRAPHQL_BODY_LIMIT_BYTES,
    errorHandler: answerAroundApollo,
    handler: async function (request, reply) {
      if (page && wantsPlayground(request))
        return reply.type('text/html; charset=utf-8').send(page);
      return handleGraphQL.call(this, request, reply);
    },
  });
}

/** Apollo Server with this service's bounds, error formatting and plugins, started. */
async function startApollo(
  app: FastifyInstance,
  introspection: boolean,
  schema: GraphQLSchema,
): Promise<ApolloServer<RequestContext>> {
  const armor = new ApolloArmor(OPERATION_LIMITS).protect();
  const formatError = createErrorFormatter((error) =>
    app.log.error({ err: error }, 'unexpected GraphQL error'),
  );
  const apollo = new ApolloServer<RequestContext>({
    gateway: compiledExecution(schema),
    validationRules: [...armor.validationRules, oneMutationFieldRule],
    parseOptions: { maxTokens: MAX_TOKENS },
    allowBatchedHttpRequests: false,
    // A request that carries the key header is preflighted by any browser, as Apollo's own
    // headers are: urql and others send queries as GET with no other sign.
    csrfPrevention: {
      requestHeaders: ['x-apollo-operation-name', 'apollo-require-preflight', API_KEY_HEADER],
    },
    formatError,
    includeStacktraceInErrorResponses: false,
    // Compact JSON: Apollo pretty-prints by default, which costs time and bytes on every response.
    stringifyResult: (result) => JSON.stringify(result),
    introspection,
    plugins: [
      ...armor.plugins,
      keyRequiredPlugin(),
      operationCostPlugin(),
      nestedArgumentsPlugin(formatError),
      operationLabelPlugin(),
      unavailableStatusPlugin(),
      fastifyApolloDrainPlugin(app),
      // Apollo's own landing page loads from a CDN; ours is served from here, or not at all.
      ApolloServerPluginLandingPageDisabled(),
      // Cache hints are unused here, and the plugin wraps every field's resolver to collect them.
      ApolloServerPluginCacheControlDisabled(),
      // As a federation subgraph, Apollo would trace every operation a router asks to (ftv1),
      // wrapping every field's resolver; usage reporting to GraphOS is not set up here.
      ApolloServerPluginInlineTraceDisabled(),
    ],
  });
  await apollo.start();
  return apollo;
}

/**
 * What fails around Apollo rather than inside it (a body the JSON parser refuses, the rate limit,
 * a request not answered within RESPONSE_TIMEOUT_MS) still answers in GraphQL's shape, with a
 * code, in the media type the client asked for.
 */
function answerAroundApollo(error: Error, request: FastifyRequest, reply: FastifyReply): void {
  const { statusCode, messages } = httpErrorOf(error);
  if (statusCode === 500) request.log.error({ err: error }, 'unexpected error');
  const code =
    toAppError(error)?.code ??
    errorCodeOfStatus(statusCode) ??
    (statusCode === 500 ? 'INTERNAL_SERVER_ERROR' : 'BAD_REQUEST');
  void reply
    .status(statusCode)
    .type(responseMediaType(request.headers.accept))
    .send(JSON.stringify({ errors: [{ message: messages.join('; '), extensions: { code } }] }));
}
