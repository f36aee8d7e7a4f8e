import type { Knex } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';
import Fastify, {
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import type { Config } from '../config/config';
import { registerGraphQL } from '../graphql/graphql-route';
import type { RequestContext } from './request-context';
import { API_KEY_HEADER } from './request-context';
import { trackAllowedMethods } from './rest/allowed-methods';
import { apiPlugin } from './rest/api-plugin';
import { answerUnroutedAtOnce, notFoundOrNotAllowed } from './rest/not-found';
import { toFrameworkError, toRestError } from '../common/rest/rest-errors';
import { registerOpenApi } from './rest/openapi';
import { startApiKeyCache } from './api-keys';
import { registerDraining } from './draining';
import { configureWebhooks } from '../webhook/webhook-policy';
import { startBackgroundWork } from './background';
import { ImportRunner } from '../bulk/import-runner';
import { registerHealth } from './health';
import { registerRateLimit } from './rate-limit';
import { connectRedis } from './redis';
import { primaryOnly, type ReadRouting, toReplicas } from './read-routing';
import { registerResponseTimeout } from './response-timeout';
import { registerSecurityHeaders } from './security-headers';
import { throttledWarning } from './throttled-warning';
import { registerMetrics } from './metrics';

declare module 'fastify' {
  interface FastifyRequest {
    /** The request's actor, services and loaders (see createRequestContext); set by either door. */
    ctx: RequestContext | null;
  }
}

export interface AppOptions {
  db: Knex;
  config: Pick<
    Config,
    | 'logLevel'
    | 'nodeEnv'
    | 'playground'
    | 'introspection'
    | 'rateLimitPerMinute'
    | 'requestTimeoutMs'
    | 'responseTimeoutMs'
  > &
    Partial<
      Pick<
        Config,
        | 'redisUrl'
        | 'listenDatabaseUrl'
        | 'replicaAfterWriteMs'
        | 'eventRetentionDays'
        | 'webhookAllowHttp'
        | 'webhookAllowPrivate'
        | 'webhookLeaseMs'
        | 'importConcurrency'
        | 'importLeaseMs'
      >
    >;
  /**
   * Whether this instance delivers webhooks and prunes events (server/background.ts); on unless
   * false. Tests that do not need it leave it off, so that its statements stay out of theirs.
   */
  background?: boolean;
  /** The read replicas' connections (DATABASE_REPLICA_URLS, see replicaKnexes); none: all on `db`. */
  replicas?: readonly Knex[];
  /** The demo key, for the playground's header editor (embedded demo database only). */
  demoApiKey?: string;
  /** Where log lines go; standard output unless given (tests read them). */
  logStream?: { write(line: string): void };
}

// How often Node looks for requests past their timeout (its default, 30 s, would let a 1 s timeout
// run to 31 s).
const TIMEOUT_CHECK_INTERVAL_MS = 250;

// Large enough for 10,000 contact ids or 1,000 contacts in one request, and no more.
const BODY_LIMIT_BYTES = 1024 * 1024;

// Node's limit on a request's headers, the URL included (--max-http-header-size).
const MAX_URL_BYTES = 16 * 1024;

/**
 * The one log line of a request: method, path, status, time, organization and GraphQL operation
 * (by type and root fields), never the key, the query string or a body.
 */
function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  request.log.info(
    {
      method: request.method,
      path: request.url.split('?')[0],
      status: reply.statusCode,
      ms: Math.round(reply.elapsedTime * 10) / 10,
      organizationId: request.ctx?.actor?.organizationId,
      operation: request.ctx?.trace.operation,
    },
    'request',
  );
}

/** The HTTP service: GraphQL at /graphql, the REST paths under /api, over one database handle. */
export async function buildApp({
  db,
  replicas = [],
  config,
  demoApiKey,
  logStream,
  background = true,
}: AppOptions): Promise<FastifyInstance> {
  const app = createFastify(config, logStream);
  configureWebhooks({
    allowHttp: config.webhookAllowHttp ?? false,
    allowPrivate: config.webhookAllowPrivate ?? false,
  });
  app.decorateRequest('ctx', null);
  registerDraining(app);
  registerResponseTimeout(app, config.responseTimeoutMs);
  registerRestErrors(app);
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply));
  // Resolved API keys, per process, forgotten when the database announces a change to them.
  const apiKeys = await startApiKeyCache(app, db, config);
  // Before any route, so that every route's methods are known for 405s.
  const allowedMethods = trackAllowedMethods(app);
  app.setNotFoundHandler(async (request, reply) =>
    notFoundOrNotAllowed(request, reply, allowedMethods),
  );
  registerSecurityHeaders(app);
  const redis = config.redisUrl ? connectRedis(config.redisUrl) : undefined;
  if (redis) app.addHook('onClose', () => closeRedis(redis));
  await registerRateLimit(app, config.rateLimitPerMinute, redis);
  const routing = registerReadRouting(app, { db, replicas, redis, config });
  await registerOpenApi(app);
  await registerGraphQL(app, {
    db,
    routing,
    apiKeys,
    introspection: config.introspection,
    playground: config.playground ? { apiKey: demoApiKey } : undefined,
  });
  // Import jobs run wherever their upload arrived, whether or not this instance does the
  // background work.
  const imports = new ImportRunner(db, {
    concurrency: config.importConcurrency ?? 2,
    leaseMs: config.importLeaseMs ?? 15_000,
    log: app.log,
  });
  app.addHook('onClose', () => imports.close());
  await app.register(apiPlugin(db, apiKeys, routing, allowedMethods), { prefix: '/api' });
  registerHealth(app, db, config.responseTimeoutMs);
  registerMetrics(app, db);
  // Last, so that /api's own hook (after its key check) answers there instead.
  answerUnroutedAtOnce(app, allowedMethods);
  if (background) {
    startBackgroundWork(app, db, {
      eventRetentionDays: config.eventRetentionDays ?? 30,
      webhookLeaseMs: config.webhookLeaseMs ?? 15_000,
    });
  }
  return app;
}

function createFastify(
  config: AppOptions['config'],
  logStream: AppOptions['logStream'],
): FastifyInstance {
  return Fastify({
    bodyLimit: BODY_LIMIT_BYTES,
    // A client that trickles its headers or body (slowloris) holds a socket for at most this long,
    // then gets a 408 and a closed connection. Handlers are bounded by STATEMENT_TIMEOUT_MS.
    requestTimeout: config.requestTimeoutMs,
    // What the router refuses before any hook runs (a malformed URL): answered in the one error
    // shape, and logged as every request is, since onResponse does not run for it.
    frameworkErrors: (error, request, reply) => {
      const body = toFrameworkError(error);
      void (reply as FastifyReply).status(body.statusCode).send(body);
      logRequest(request, reply as FastifyReply);
    },
    routerOptions: {
      // An id of any length reaches its route, which says "id must be a UUID" (400) after the key
      // is checked; find-my-way's default of 100 answered 414 before anything else. Node's 16 KiB
      // header limit bounds a URL anyway.
      maxParamLength: MAX_URL_BYTES,
    },
    http: {
      headersTimeout: config.requestTimeoutMs,
      connectionsCheckingInterval: Math.min(TIMEOUT_CHECK_INTERVAL_MS, config.requestTimeoutMs),
    },
    // One line per request, written by logRequest, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    logger: {
      level: config.logLevel,
      // Keys never reach a log line, whichever header carries them (Basic auth: sms/inbound).
      redact: {
        paths: [`req.headers["${API_KEY_HEADER}"]`, 'req.headers.authorization'],
        remove: true,
      },
      ...(logStream && { stream: logStream }),
    },
  });
}

/**
 * The one REST error handler, for /api and the routes beside it (health, metrics, docs); /graphql
 * answers in GraphQL's shape instead. A 503 is the database being away, an expected condition
 * with its own signal (/readyz); only a 500 is a fault to look into.
 */
function registerRestErrors(app: FastifyInstance): void {
  const warnUnavailable = throttledWarning('database unavailable');
  app.setErrorHandler(async (error, request, reply) => {
    const body = toRestError(error);
    if (body.statusCode === 500) request.log.error({ err: error }, 'unexpected error');
    else if (body.statusCode === 503) warnUnavailable(request.log, { err: error });
    return reply.status(body.statusCode).send(body);
  });
}

/**
 * Where reads go: the replicas when there are any, with each one's health in the log; and a
 * write's key reads from the primary for a while, noted before its answer leaves, so that the
 * client's next read, on whichever instance, sees the write.
 */
function registerReadRouting(
  app: FastifyInstance,
  {
    db,
    replicas,
    redis,
    config,
  }: { db: Knex; replicas: readonly Knex[]; redis?: Redis; config: AppOptions['config'] },
): ReadRouting {
  const routing: ReadRouting =
    replicas.length > 0
      ? toReplicas({
          primary: db,
          replicas,
          afterWriteMs: config.replicaAfterWriteMs ?? 2_000,
          redis,
          onHealth: (replica, healthy, error) => {
            if (healthy) app.log.info({ replica }, 'read replica answers again: reads go to it');
            else app.log.warn({ replica, err: error }, 'read replica does not answer: left out');
          },
        })
      : primaryOnly(db);
  app.addHook('onClose', async () => routing.close?.());
  app.addHook('onSend', async (request) => {
    const context = request.ctx;
    if (context?.keyHash !== undefined && context.trace.wrote) {
      await routing.wrote(context.keyHash);
    }
  });
  return routing;
}

function closeRedis(redis: Redis): Promise<void> {
  return redis.quit().then(
    () => undefined,
    () => redis.disconnect(),
  );
}
