import 'reflect-metadata';
import v8 from 'node:v8';
import { ConfigError, loadConfig, type Config } from './config/config';
import { connectOrm, resolveDatabase } from './database/database';
import { EmbeddedPostgresAccessError } from './database/postgres-user-access';
import { EmbeddedServerBusyError } from './database/embedded-postgres';
import { pooledTimeoutMismatch } from './database/pooled-timeout';
import { replicaKnexes } from './database/replicas';
import { ensureDemo } from './demo/demo-bootstrap';
import { readableLogStream } from './server/readable-log';
import { buildApp } from './server/app';
import { DATABASE_LOGIC, ENTITIES } from './features';

// V8 lets the old generation grow to about four times what survived the last full collection
// before collecting again. Under load, requests in flight survive young collections, and the
// heap grew from 43 MB of live objects to 150 MB of mostly garbage (peak RSS 240-260 MB at 50
// connections). Twice the live size bounds it at about 190 MB, with no measurable loss of
// throughput. A value in NODE_OPTIONS wins.
if (!/--heap-growing-percent/.test(process.env.NODE_OPTIONS ?? '')) {
  v8.setFlagsFromString('--heap-growing-percent=100');
}

async function main(): Promise<void> {
  const config = loadConfig();
  const log = (message: string) => {
    if (config.logLevel === 'debug' || config.logLevel === 'trace')
      console.error(`[postgres] ${message}`);
  };
  const database = await resolveDatabase(config, {
    reuseRunning: false,
    log,
    notice: (message) => console.log(message),
  });
  const { orm, applied, logicChanged } = await connectOrm({
    url: database.url,
    migrationsUrl: config.migrationsDatabaseUrl,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
    statementTimeoutMs: config.statementTimeoutMs,
    transactionPooling: config.transactionPooling,
    replicaUrls: config.replicaUrls,
  });
  if (config.transactionPooling) {
    const mismatch = await pooledTimeoutMismatch(orm.em.getKnex(), config.statementTimeoutMs);
    if (mismatch) console.warn(`warning: ${mismatch}`);
  }
  if (applied.length > 0) console.log(`applied migrations: ${applied.join(', ')}`);
  if (logicChanged.length > 0) console.log(`applied database logic: ${logicChanged.join(', ')}`);
  const db = orm.em.getKnex();
  const demoApiKey = database.embedded
    ? await ensureDemo(db, database.dataDir ?? config.dataDir)
    : undefined;

  // Lines for a person on a terminal, JSON for machines anywhere else.
  const logStream = process.stdout.isTTY ? readableLogStream(process.stdout) : undefined;
  const app = await buildApp({ db, replicas: replicaKnexes(orm), config, demoApiKey, logStream });
  await app.listen({ port: config.port, host: config.host });
  console.log(
    banner(config, database.embedded && (database.dataDir ?? config.dataDir), demoApiKey),
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // First drain: still serving, but not ready, and closing each connection after its response.
    // Requests already sent but not yet read get read meanwhile instead of being cut off.
    app.startDraining();
    await new Promise((resolve) => setTimeout(resolve, config.shutdownDrainMs));
    // Then close: new connections are refused; requests in flight finish. A keep-alive connection
    // is closed as soon as its last response is out, instead of after its idle timeout.
    const closeIdle = setInterval(() => app.server.closeIdleConnections(), 50);
    await app.close();
    clearInterval(closeIdle);
    await orm.close();
    await database.stop();
    process.exit(0);
  };
  // embedded-postgres (through async-exit-hook) listens for these signals to stop its server and
  // exit at once, under requests still in flight; the service stops that server itself, last.
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.removeAllListeners(signal);
    process.once(signal, (received) => void stop(received));
  }
}

function banner(
  config: Config,
  /** The embedded server's data directory; false with DATABASE_URL. */
  embedded: string | false,
  demoApiKey: string | undefined,
): string {
  const host = ['0.0.0.0', '::', '127.0.0.1', '::1'].includes(config.host)
    ? 'localhost'
    : config.host;
  const base = `http://${host}:${config.port}`;
  const line = (label: string, value: string) => `  ${`${label}:`.padEnd(12)}${value}`;
  const lines = [
    '',
    `audience-gateway is listening on ${base}`,
    line('GraphQL', `${base}/graphql`),
    ...(config.playground ? [line('Playground', `${base}/graphql (open it in a browser)`)] : []),
    line('REST', `${base}/api`),
    line('API docs', `${base}/api/docs`),
    line('Database', embedded ? `embedded PostgreSQL in ${embedded}` : 'DATABASE_URL'),
  ];
  if (demoApiKey) {
    const query = JSON.stringify({
      query: '{ audiences { data { name contactCount } meta { total } } }',
    });
    lines.push(
      line('Demo key', demoApiKey),
      '',
      'Try it:',
      `  curl -s ${base}/graphql -H 'content-type: application/json' -H 'x-api-key: ${demoApiKey}' --data '${query}'`,
    );
  }
  return `${lines.join('\n')}\n`;
}

main().catch((error: unknown) => {
  if (
    error instanceof ConfigError ||
    error instanceof EmbeddedServerBusyError ||
    error instanceof EmbeddedPostgresAccessError
  ) {
    console.error(error.message);
  } else {
    console.error('audience-gateway failed to start:', error);
  }
  process.exit(1);
});
