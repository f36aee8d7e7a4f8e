import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './processes';

/**
 * A PgBouncer in transaction pooling mode in front of `databaseUrl`'s database, on a port of its
 * own, as a deployment would run it. Clients log in without a password (auth_type any), PgBouncer
 * logs in to PostgreSQL with the URL's credentials. As root it runs as the `postgres` user, since
 * PgBouncer refuses to run as root.
 */
export class PgBouncer {
  private constructor(
    readonly url: string,
    private readonly child: ChildProcess,
    private readonly dir: string,
    readonly output: { text: string },
  ) {}

  static async start(databaseUrl: string, poolSize = 10): Promise<PgBouncer> {
    const target = new URL(databaseUrl);
    const database = target.pathname.slice(1);
    const port = await freePort();
    const dir = await mkdtemp(path.join(os.tmpdir(), 'pgbouncer-'));
    await chmod(dir, 0o777);
    const connection = [
      `host=${target.hostname}`,
      `port=${target.port || 5432}`,
      `dbname=${database}`,
      `user=${decodeURIComponent(target.username || 'postgres')}`,
      ...(target.password ? [`password=${decodeURIComponent(target.password)}`] : []),
    ].join(' ');
    const ini = path.join(dir, 'pgbouncer.ini');
    await writeFile(
      ini,
      [
        '[databases]',
        `${database} = ${connection}`,
        '[pgbouncer]',
        'listen_addr = 127.0.0.1',
        `listen_port = ${port}`,
        `unix_socket_dir = ${dir}`,
        'auth_type = any',
        'pool_mode = transaction',
        `default_pool_size = ${poolSize}`,
        'max_client_conn = 500',
        // What a node client sends at start that PgBouncer does not track itself.
        'ignore_startup_parameters = extra_float_digits',
        `logfile = ${path.join(dir, 'pgbouncer.log')}`,
        '',
      ].join('\n'),
      { mode: 0o644 },
    );
    const asRoot = process.getuid?.() === 0;
    const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres']).toString()) : undefined;
    const gid = asRoot ? Number(execFileSync('id', ['-g', 'postgres']).toString()) : undefined;
    const child = spawn('pgbouncer', [ini], { uid, gid, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = { text: '' };
    child.stdout!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    child.stderr!.on('data', (chunk: Buffer) => (output.text += chunk.toString()));
    await untilListening(port, child, output);
    const url = new URL(databaseUrl);
    url.port = String(port);
    url.hostname = '127.0.0.1';
    url.password = '';
    return new PgBouncer(url.toString(), child, dir, output);
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null) {
      const exited = new Promise((resolve) => this.child.once('exit', resolve));
      this.child.kill('SIGINT');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

async function untilListening(
  port: number,
  child: ChildProcess,
  output: { text: string },
): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`pgbouncer exited: ${output.text}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`pgbouncer did not listen on ${port}: ${output.text}`);
}
