import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { Knex } from '@mikro-orm/postgresql';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Config } from '../config/config';
import { AppError } from '../common/errors';
import { createErrorFormatter, toGraphQLError } from '../graphql/format-error';
import { buildGraphQLSchema } from '../graphql/schema';
import { apiPlugin } from './rest/api-plugin';
import { registerOpenApi } from './rest/openapi';
import { API_KEY_HEADER, createRequestContext, type RequestContext } from './request-context';

export interface AppOptions {
  db: Knex;
  config: Pick<Config, 'logLevel' | 'nodeEnv'>;
}

// Large enough for 10,000 contact ids or 1,000 contacts in one request, and no more.
const BODY_LIMIT_BYTES = 1024 * 1024;

/** The HTTP service: GraphQL at /graphql, the REST paths under /api, over one database handle. */
export async function buildApp({ db, config }: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    logger: {
      level: config.logLevel,
      redact: { paths: [`req.headers["${API_KEY_HEADER}"]`], remove: true },
    },
  });

  const apollo = new ApolloServer<RequestContext>({
    schema: await buildGraphQLSchema(),
    formatError: createErrorFormatter((error) =>
      app.log.error({ err: error }, 'unexpected GraphQL error'),
    ),
    includeStacktraceInErrorResponses: false,
    introspection: true,
    plugins: [fastifyApolloDrainPlugin(app)],
  });
  await apollo.start();

  app.route({
    url: '/graphql',
    method: ['GET', 'POST', 'OPTIONS'],
    handler: fastifyApolloHandler(apollo, {
      context: async (request) => {
        try {
          return await createRequestContext(db, request.headers[API_KEY_HEADER]);
        } catch (error) {
          throw error instanceof AppError ? toGraphQLError(error) : error;
        }
      },
    }),
  });

  await registerOpenApi(app);
  await app.register(apiPlugin(db), { prefix: '/api' });

  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));

  return app;
}
