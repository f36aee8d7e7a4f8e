import path from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/config';

test('defaults need no environment at all', () => {
  expect(loadConfig({})).toEqual({
    port: 4000,
    host: '127.0.0.1',
    databaseUrl: undefined,
    migrationsDatabaseUrl: undefined,
    listenDatabaseUrl: undefined,
    transactionPooling: false,
    replicaUrls: [],
    replicaAfterWriteMs: 2_000,
    redisUrl: undefined,
    dataDir: path.resolve('.data'),
    logLevel: 'info',
    nodeEnv: 'development',
    playground: true,
    introspection: true,
    rateLimitPerMinute: 6000,
    statementTimeoutMs: 15_000,
    requestTimeoutMs: 30_000,
    responseTimeoutMs: 30_000,
    shutdownDrainMs: 500,
    eventRetentionDays: 30,
    webhookAllowHttp: false,
    webhookAllowPrivate: false,
    webhookLeaseMs: 15_000,
    importConcurrency: 2,
    importLeaseMs: 15_000,
  });
});

test('reads every variable', () => {
  expect(
    loadConfig({
      PORT: '8080',
      HOST: '0.0.0.0',
      DATABASE_URL: 'postgres://user:pass@pgbouncer:6432/audiences',
      MIGRATIONS_DATABASE_URL: 'postgres://user:pass@db:5432/audiences',
      LISTEN_DATABASE_URL: 'postgresql://listener:pass@db:5432/audiences',
      DATABASE_TRANSACTION_POOLING: 'true',
      DATABASE_REPLICA_URLS:
        'postgres://user:pass@replica-1:5432/audiences,postgres://user:pass@replica-2:5432/audiences',
      REPLICA_AFTER_WRITE_MS: '500',
      REDIS_URL: 'redis://redis:6379/2',
      DATA_DIR: '/var/lib/audience-gateway',
      LOG_LEVEL: 'debug',
      NODE_ENV: 'production',
      RATE_LIMIT_PER_MINUTE: '0',
      STATEMENT_TIMEOUT_MS: '5000',
      REQUEST_TIMEOUT_MS: '10000',
      RESPONSE_TIMEOUT_MS: '20000',
      SHUTDOWN_DRAIN_MS: '0',
      EVENT_RETENTION_DAYS: '7',
      WEBHOOK_ALLOW_HTTP: 'true',
      WEBHOOK_ALLOW_PRIVATE: 'true',
      WEBHOOK_LEASE_MS: '6000',
      IMPORT_CONCURRENCY: '4',
      IMPORT_LEASE_MS: '3000',
    }),
  ).toEqual({
    port: 8080,
    host: '0.0.0.0',
    databaseUrl: 'postgres://user:pass@pgbouncer:6432/audiences',
    migrationsDatabaseUrl: 'postgres://user:pass@db:5432/audiences',
    listenDatabaseUrl: 'postgresql://listener:pass@db:5432/audiences',
    transactionPooling: true,
    replicaUrls: [
      'postgres://user:pass@replica-1:5432/audiences',
      'postgres://user:pass@replica-2:5432/audiences',
    ],
    replicaAfterWriteMs: 500,
    redisUrl: 'redis://redis:6379/2',
    dataDir: '/var/lib/audience-gateway',
    logLevel: 'debug',
    nodeEnv: 'production',
    playground: false,
    introspection: false,
    rateLimitPerMinute: 0,
    statementTimeoutMs: 5000,
    requestTimeoutMs: 10_000,
    responseTimeoutMs: 20_000,
    shutdownDrainMs: 0,
    eventRetentionDays: 7,
    webhookAllowHttp: true,
    webhookAllowPrivate: true,
    webhookLeaseMs: 6000,
    importConcurrency: 4,
    importLeaseMs: 3000,
  });
});

test('the direct URLs default to DATABASE_URL, and need it', () => {
  const url = 'postgres://user:pass@db:5432/audiences';
  expect(loadConfig({ DATABASE_URL: url })).toMatchObject({
    migrationsDatabaseUrl: url,
    listenDatabaseUrl: url,
    transactionPooling: false,
  });
  for (const variable of ['MIGRATIONS_DATABASE_URL', 'LISTEN_DATABASE_URL']) {
    expect(() => loadConfig({ [variable]: url })).toThrow(
      new RegExp(`^Invalid configuration: ${variable} needs DATABASE_URL`),
    );
  }
  expect(() => loadConfig({ DATABASE_REPLICA_URLS: url })).toThrow(
    /^Invalid configuration: DATABASE_REPLICA_URLS needs DATABASE_URL/,
  );
  expect(() =>
    loadConfig({ DATABASE_URL: url, DATABASE_REPLICA_URLS: `${url},mysql://replica/db` }),
  ).toThrow(/^Invalid configuration: DATABASE_REPLICA_URLS \(URL 2\) must use postgres:\/\//);
  expect(() => loadConfig({ DATABASE_TRANSACTION_POOLING: 'true' })).toThrow(
    /^Invalid configuration: DATABASE_TRANSACTION_POOLING needs DATABASE_URL/,
  );
});

test('production turns the playground and introspection off unless enabled', () => {
  const production = { NODE_ENV: 'production' };
  expect(loadConfig(production)).toMatchObject({ playground: false, introspection: false });
  expect(loadConfig({ ...production, GRAPHQL_PLAYGROUND: 'true' })).toMatchObject({
    playground: true,
    introspection: true,
  });
  expect(loadConfig({ ...production, GRAPHQL_INTROSPECTION: 'true' })).toMatchObject({
    playground: false,
    introspection: true,
  });
  expect(loadConfig({ GRAPHQL_PLAYGROUND: 'false' })).toMatchObject({
    playground: false,
    introspection: true,
  });
  expect(() => loadConfig({ GRAPHQL_PLAYGROUND: 'true', GRAPHQL_INTROSPECTION: 'false' })).toThrow(
    /^Invalid configuration: GRAPHQL_INTROSPECTION must be true while GRAPHQL_PLAYGROUND is/,
  );
});

test.each([
  ['PORT', 'abc'],
  ['PORT', '0'],
  ['PORT', '65536'],
  ['PORT', '80.5'],
  ['HOST', '  '],
  ['DATABASE_URL', 'not a url'],
  ['DATABASE_URL', 'mysql://host/db'],
  ['DATABASE_URL', 'postgres://host:5432'],
  ['MIGRATIONS_DATABASE_URL', 'mysql://host/db'],
  ['LISTEN_DATABASE_URL', 'postgres://host:5432'],
  ['DATABASE_TRANSACTION_POOLING', 'yes'],
  ['REPLICA_AFTER_WRITE_MS', '-1'],
  ['REPLICA_AFTER_WRITE_MS', '600001'],
  ['REDIS_URL', 'not a url'],
  ['REDIS_URL', 'http://redis:6379'],
  ['DATA_DIR', ''],
  ['LOG_LEVEL', 'loud'],
  ['NODE_ENV', 'staging'],
  ['GRAPHQL_PLAYGROUND', 'yes'],
  ['GRAPHQL_INTROSPECTION', '1'],
  ['RATE_LIMIT_PER_MINUTE', '-1'],
  ['RATE_LIMIT_PER_MINUTE', 'lots'],
  ['STATEMENT_TIMEOUT_MS', '1.5'],
  ['REQUEST_TIMEOUT_MS', '0'],
  ['REQUEST_TIMEOUT_MS', '99'],
  ['SHUTDOWN_DRAIN_MS', '-5'],
  ['RESPONSE_TIMEOUT_MS', '50'],
])('%s=%j is refused with a message naming it', (variable, value) => {
  expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
  expect(() => loadConfig({ [variable]: value })).toThrow(
    new RegExp(`^Invalid configuration: ${variable} `),
  );
});
