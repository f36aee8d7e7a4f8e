import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './processes';

const run = promisify(execFile);

/** The programs of the newest PostgreSQL installed from Debian's packages, if any has pg_basebackup. */
export function postgresPrograms(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((version) => existsSync(path.join(root, version, 'bin', 'pg_basebackup')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] && path.join(root, versions[0], 'bin');
}

/**
 * A primary and a streaming replica made from it with pg_basebackup, each on a port of its own,
 * as a deployment with a read replica runs them. As root, they run as the `postgres` user.
 */
export class ReplicatedPostgres {
  private constructor(
    private readonly dir: string,
    private readonly servers: ChildProcess[],
    readonly primaryUrl: string,
    readonly replicaUrl: string,
  ) {}

  static async start(database = 'gateway'): Promise<ReplicatedPostgres> {
    const bin = postgresPrograms();
    if (!bin) throw new Error('no PostgreSQL with pg_basebackup under /usr/lib/postgresql');
    const dir = await mkdtemp(path.join(os.tmpdir(), 'replicated-postgres-'));
    const asRoot = process.getuid?.() === 0;
    const ids = asRoot
      ? {
          uid: Number(execFileSync('id', ['-u', 'postgres']).toString()),
          gid: Number(execFileSync('id', ['-g', 'postgres']).toString()),
        }
      : {};
    if (asRoot) await chown(dir, ids.uid!, ids.gid!);
    await chmod(dir, 0o700);
    const program = (name: string, args: string[]) =>
      run(path.join(bin, name), args, { ...ids, cwd: dir });
    const primaryDir = path.join(dir, 'primary');
    const replicaDir = path.join(dir, 'replica');
    const [primaryPort, replicaPort] = [await freePort(), await freePort()];
    await program('initdb', [
      '-D',
      primaryDir,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
    ]);
    const servers: ChildProcess[] = [];
    const serve = async (dataDir: string, port: number) => {
      const server = spawn(
        path.join(bin, 'postgres'),
        [
          '-D',
          dataDir,
          '-p',
          String(port),
          '-c',
          'listen_addresses=127.0.0.1',
          '-c',
          `unix_socket_directories=${dir}`,
          '-c',
          'fsync=off',
          '-c',
          'wal_level=replica',
          '-c',
          'max_wal_senders=4',
        ],
        { ...ids, stdio: 'ignore' },
      );
      servers.push(server);
      await untilAccepting(`postgres://postgres@127.0.0.1:${port}/postgres`, server);
    };
    try {
      await serve(primaryDir, primaryPort);
      const admin = new pg.Client({
        connectionString: `postgres://postgres@127.0.0.1:${primaryPort}/postgres`,
      });
      await admin.connect();
      await admin.query(`create database ${database}`);
      await admin.end();
      // A standby of the primary as it is now, streaming from it from then on (-R writes the
      // standby's settings).
      await program('pg_basebackup', [
        '-h',
        '127.0.0.1',
        '-p',
        String(primaryPort),
        '-U',
        'postgres',
        '-D',
        replicaDir,
        '-R',
        '-X',
        'stream',
        // At once, rather than after the next spread checkpoint (minutes).
        '--checkpoint=fast',
      ]);
      await serve(replicaDir, replicaPort);
    } catch (error) {
      for (const server of servers) server.kill('SIGINT');
      throw error;
    }
    return new ReplicatedPostgres(
      dir,
      servers,
      `postgres://postgres@127.0.0.1:${primaryPort}/${database}`,
      `postgres://postgres@127.0.0.1:${replicaPort}/${database}`,
    );
  }

  /** Runs one statement on the replica (pausing or resuming its replay, say). */
  async onReplica<T extends pg.QueryResultRow>(statement: string): Promise<T[]> {
    const client = new pg.Client({ connectionString: this.replicaUrl });
    await client.connect();
    try {
      return (await client.query<T>(statement)).rows;
    } finally {
      await client.end();
    }
  }

  /** Stops the replica alone (fast shutdown), as a replica going down would. */
  async stopReplica(): Promise<void> {
    const replica = this.servers[1]!;
    if (replica.exitCode !== null) return;
    const exited = new Promise((resolve) => replica.once('exit', resolve));
    replica.kill('SIGINT');
    await exited;
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.servers.map(
        (server) =>
          new Promise<void>((resolve) => {
            if (server.exitCode !== null) return resolve();
            server.once('exit', () => resolve());
            // Fast shutdown: cuts sessions, then stops.
            server.kill('SIGINT');
          }),
      ),
    );
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function untilAccepting(url: string, server: ChildProcess): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) throw new Error(`postgres exited with ${server.exitCode}`);
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      await client.end();
      return;
    } catch {
      await client.end().catch(() => undefined);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`postgres did not accept connections at ${url}`);
}
