import path from 'node:path';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
const NODE_ENVS = ['development', 'production', 'test'] as const;

export type LogLevel = (typeof LOG_LEVELS)[number];
export type NodeEnv = (typeof NODE_ENVS)[number];

/** Everything the service reads from its environment, validated once at start-up. */
export interface Config {
  port: number;
  host: string;
  /** A PostgreSQL URL; when absent the service runs an embedded PostgreSQL under `dataDir`. */
  databaseUrl: string | undefined;
  /**
   * Where migrations run (and take their lock): a direct connection to the primary when
   * `databaseUrl` goes through a pooler. `databaseUrl` when unset.
   */
  migrationsDatabaseUrl: string | undefined;
  /** Where the API-key listener holds its LISTEN session: a direct connection, as above. */
  listenDatabaseUrl: string | undefined;
  /**
   * Whether `databaseUrl` goes through a transaction pooler (PgBouncer, pool_mode=transaction):
   * then no session state is set on its connections (no statement_timeout startup parameter).
   */
  transactionPooling: boolean;
  /** Read replicas (streaming standbys of the primary): reads go to them, writes to the primary. */
  replicaUrls: string[];
  /** For this long after a key's write, that key's reads go to the primary. */
  replicaAfterWriteMs: number;
  /** Redis, for the rate-limit counts shared by every instance; in-process counts when unset. */
  redisUrl: string | undefined;
  dataDir: string;
  logLevel: LogLevel;
  nodeEnv: NodeEnv;
  /** GraphiQL at GET /graphql for browsers; off in production unless enabled. */
  playground: boolean;
  /** Schema introspection; off in production unless enabled (the playground needs it). */
  introspection: boolean;
  /** API calls a minute allowed to each API key; 0 turns the limit off. */
  rateLimitPerMinute: number;
  /** The longest one SQL statement of a request may run before PostgreSQL cancels it; 0 for no limit. */
  statementTimeoutMs: number;
  /** The longest a client may take to send one whole request (headers and body) before a 408. */
  requestTimeoutMs: number;
  /** The longest the service takes to answer a request it has received before it answers 503. */
  responseTimeoutMs: number;
  /** On SIGTERM, how long the service keeps serving (not ready, closing connections) before it closes. */
  shutdownDrainMs: number;
  /** How long events are kept; older ones are pruned in the background. */
  eventRetentionDays: number;
  /** Whether webhook URLs may be plain http (development only); https otherwise. */
  webhookAllowHttp: boolean;
  /**
   * Whether webhook URLs may reach loopback, private, link-local and metadata addresses (tests,
   * development); refused otherwise, when the URL is set and again at every connection.
   */
  webhookAllowPrivate: boolean;
  /**
   * How long an instance holds a webhook subscription it delivers to without renewing it: when
   * an instance dies mid-delivery, another takes the subscription over after this.
   */
  webhookLeaseMs: number;
  /** How many import jobs this instance runs at once; the next waits, queued. */
  importConcurrency: number;
  /**
   * How long an import job stays this instance's without being renewed: a job whose instance
   * stopped is failed (nothing was written) once this has passed.
   */
  importLeaseMs: number;
}

/** A bad environment variable: start-up stops with a message that names it. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`Invalid configuration: ${variable} ${problem}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

/** Reads and validates the configuration; throws a ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = readChoice(env, 'NODE_ENV', NODE_ENVS, 'development');
  const playground = readBoolean(env, 'GRAPHQL_PLAYGROUND', nodeEnv !== 'production');
  const introspection = readBoolean(
    env,
    'GRAPHQL_INTROSPECTION',
    playground || nodeEnv !== 'production',
  );
  if (playground && !introspection) {
    throw new ConfigError(
      'GRAPHQL_INTROSPECTION',
      'must be true while GRAPHQL_PLAYGROUND is (the playground reads the schema by introspection)',
    );
  }
  const databaseUrl = readDatabaseUrl(env, 'DATABASE_URL');
  const direct = (name: string) => {
    const url = readDatabaseUrl(env, name);
    if (url !== undefined && databaseUrl === undefined) {
      throw new ConfigError(name, 'needs DATABASE_URL (the embedded PostgreSQL has no pooler)');
    }
    return url ?? databaseUrl;
  };
  const transactionPooling = readBoolean(env, 'DATABASE_TRANSACTION_POOLING', false);
  if (transactionPooling && databaseUrl === undefined) {
    throw new ConfigError('DATABASE_TRANSACTION_POOLING', 'needs DATABASE_URL (the pooler’s URL)');
  }
  return {
    port: readPort(env),
    host: readNonEmpty(env, 'HOST') ?? '127.0.0.1',
    databaseUrl,
    migrationsDatabaseUrl: direct('MIGRATIONS_DATABASE_URL'),
    listenDatabaseUrl: direct('LISTEN_DATABASE_URL'),
    transactionPooling,
    replicaUrls: readReplicaUrls(env, databaseUrl),
    replicaAfterWriteMs: readInteger(env, 'REPLICA_AFTER_WRITE_MS', 2_000, 0, 600_000),
    redisUrl: readRedisUrl(env),
    dataDir: path.resolve(readNonEmpty(env, 'DATA_DIR') ?? '.data'),
    logLevel: readChoice(env, 'LOG_LEVEL', LOG_LEVELS, 'info'),
    nodeEnv,
    playground,
    introspection,
    rateLimitPerMinute: readInteger(env, 'RATE_LIMIT_PER_MINUTE', 6000, 0, 10_000_000),
    statementTimeoutMs: readInteger(env, 'STATEMENT_TIMEOUT_MS', 15_000, 0, 3_600_000),
    requestTimeoutMs: readInteger(env, 'REQUEST_TIMEOUT_MS', 30_000, 100, 3_600_000),
    responseTimeoutMs: readInteger(env, 'RESPONSE_TIMEOUT_MS', 30_000, 100, 3_600_000),
    shutdownDrainMs: readInteger(env, 'SHUTDOWN_DRAIN_MS', 500, 0, 600_000),
    eventRetentionDays: readInteger(env, 'EVENT_RETENTION_DAYS', 30, 1, 3650),
    webhookAllowHttp: readBoolean(env, 'WEBHOOK_ALLOW_HTTP', false),
    webhookAllowPrivate: readBoolean(env, 'WEBHOOK_ALLOW_PRIVATE', false),
    // Longer than one attempt (5 s) with room to record it.
    webhookLeaseMs: readInteger(env, 'WEBHOOK_LEASE_MS', 15_000, 6_000, 600_000),
    importConcurrency: readInteger(env, 'IMPORT_CONCURRENCY', 2, 1, 16),
    // Renewed every third of it: one missed renewal (a busy moment) does not lose the job.
    importLeaseMs: readInteger(env, 'IMPORT_LEASE_MS', 15_000, 3_000, 600_000),
  };
}

function readInteger(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = readNonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || Number(raw) > max) {
    throw new ConfigError(name, `must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return Number(raw);
}

function readBoolean(env: Env, name: string, fallback: boolean): boolean {
  const raw = readNonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (raw !== 'true' && raw !== 'false')
    throw new ConfigError(name, `must be true or false, got "${raw}"`);
  return raw === 'true';
}

function readNonEmpty(env: Env, name: string): string | undefined {
  const value = env[name];
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new ConfigError(name, 'must not be empty when set');
  return value.trim();
}

function readPort(env: Env): number {
  const raw = readNonEmpty(env, 'PORT');
  if (raw === undefined) return 4000;
  if (!/^\d+$/.test(raw) || Number(raw) < 1 || Number(raw) > 65535) {
    throw new ConfigError('PORT', `must be an integer from 1 to 65535, got "${raw}"`);
  }
  return Number(raw);
}

function readReplicaUrls(env: Env, databaseUrl: string | undefined): string[] {
  const raw = readNonEmpty(env, 'DATABASE_REPLICA_URLS');
  if (raw === undefined) return [];
  if (databaseUrl === undefined) {
    throw new ConfigError('DATABASE_REPLICA_URLS', 'needs DATABASE_URL (the primary)');
  }
  return raw.split(',').map((url, index) => {
    const name = `DATABASE_REPLICA_URLS (URL ${index + 1})`;
    return readDatabaseUrl({ [name]: url }, name)!;
  });
}

function readRedisUrl(env: Env): string | undefined {
  const raw = readNonEmpty(env, 'REDIS_URL');
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError('REDIS_URL', 'is not a URL (expected redis://host:port)');
  }
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') {
    throw new ConfigError('REDIS_URL', `must use redis:// or rediss://, got "${url.protocol}"`);
  }
  return raw;
}

function readDatabaseUrl(env: Env, name: string): string | undefined {
  const raw = readNonEmpty(env, name);
  if (raw === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, 'is not a URL (expected postgres://user:pass@host:port/db)');
  }
  if (url.protocol !== 'postgres:' && url.protocol !== 'postgresql:') {
    throw new ConfigError(name, `must use postgres:// or postgresql://, got "${url.protocol}"`);
  }
  if (url.pathname.length <= 1) {
    throw new ConfigError(name, 'must name a database (postgres://host:port/DATABASE)');
  }
  return raw;
}

function readChoice<T extends string>(
  env: Env,
  name: string,
  choices: readonly T[],
  fallback: T,
): T {
  const raw = readNonEmpty(env, name);
  if (raw === undefined) return fallback;
  if (!(choices as readonly string[]).includes(raw)) {
    throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${raw}"`);
  }
  return raw as T;
}
