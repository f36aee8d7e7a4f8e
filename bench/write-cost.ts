import 'reflect-metadata';
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { findFreePort } from '../src/database/free-port';
import { benchDatabase } from './bench-database';

/**
 * What recording events costs the writes (issue 24): the same writes against the service as it
 * was before events (BEFORE_COMMIT, built into a worktree of its own) and as it is, each on a
 * fresh database of its own migrated by its own build, on the same PostgreSQL, in one run. The
 * calls alternate between the two, so that the machine's drift falls on both alike:
 * - creating 1,000 contacts in one createContacts (GraphQL), ROUNDS times;
 * - adding 10,000 contacts to a new audience in one POST add-contacts, ROUNDS times.
 *
 *   npm run build && ts-node bench/write-cost.ts [--before <commit>] [--rounds N]
 */
const ROOT = path.join(__dirname, '..');
const args = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const at = args.indexOf(`--${name}`);
  return at < 0 ? fallback : args[at + 1]!;
};
// The last commit before events were recorded.
const BEFORE_COMMIT = option('before', '7fda374');
const ROUNDS = Number(option('rounds', '10'));
const BEFORE_DIR = path.join(os.tmpdir(), `audience-gateway-before-${BEFORE_COMMIT}`);

interface Arm {
  name: 'before' | 'after';
  base: string;
  apiKey: string;
  child: ChildProcess;
  contactIds: string[];
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  buildBefore();
  const arms: Arm[] = [];
  try {
    for (const [name, dir] of [
      ['before', BEFORE_DIR],
      ['after', ROOT],
    ] as const) {
      arms.push(await startArm(name, dir, database.url));
    }
    const timings: Record<string, Record<string, number[]>> = {
      'create 1,000 contacts': { before: [], after: [] },
      'add 10,000 members': { before: [], after: [] },
    };
    // Enough contacts for the adds first (not timed), then the timed rounds, alternating.
    for (const arm of arms) {
      for (let batch = 0; batch < 10; batch += 1) await createContacts(arm, batch);
    }
    for (let round = 0; round < ROUNDS; round += 1) {
      const order = round % 2 === 0 ? arms : [...arms].reverse();
      for (const arm of order) {
        timings['create 1,000 contacts']![arm.name]!.push(await createContacts(arm, 100 + round));
      }
      for (const arm of order) {
        timings['add 10,000 members']![arm.name]!.push(await addMembers(arm, round));
      }
    }
    await report(timings, await serverVersion(database.url));
  } finally {
    for (const arm of arms) arm.child.kill('SIGTERM');
    if (database.ownsServer) await database.stop();
  }
}

async function serverVersion(url: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const { rows } = await client.query<{ server_version: string }>('show server_version');
  await client.end();
  return rows[0]!.server_version;
}

/** The service as it was before events, built once into a worktree of its own. */
function buildBefore(): void {
  if (existsSync(path.join(BEFORE_DIR, 'dist', 'src', 'main.js'))) return;
  if (!existsSync(BEFORE_DIR)) {
    execFileSync('git', ['worktree', 'add', '-f', '--detach', BEFORE_DIR, BEFORE_COMMIT], {
      cwd: ROOT,
      stdio: 'ignore',
    });
  }
  execFileSync('ln', [
    '-sfn',
    path.join(ROOT, 'node_modules'),
    path.join(BEFORE_DIR, 'node_modules'),
  ]);
  execFileSync('npm', ['run', 'build'], { cwd: BEFORE_DIR, stdio: 'ignore' });
}

/** A fresh database, migrated by this arm's own build as it starts, with an organization. */
async function startArm(name: Arm['name'], dir: string, serverUrl: string): Promise<Arm> {
  const dbName = `bench_write_${name}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.query(`create database ${dbName}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${dbName}`;
  const port = await findFreePort();
  const child = spawn(process.execPath, [path.join(dir, 'dist', 'src', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: url.toString(),
      PORT: String(port),
      NODE_ENV: 'production',
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let output = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/is listening on/.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`${name} exited with ${code}:\n${output}`)));
  });
  const cli = execFileSync(
    process.execPath,
    [path.join(dir, 'dist', 'src', 'cli', 'cli.js'), 'org', 'create', '--name', `Bench ${name}`],
    { env: { ...process.env, DATABASE_URL: url.toString() } },
  ).toString();
  const { apiKey } = JSON.parse(cli) as { apiKey: string };
  return { name, base: `http://127.0.0.1:${port}`, apiKey, child, contactIds: [] };
}

async function timed(work: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await work();
  return performance.now() - started;
}

async function createContacts(arm: Arm, batch: number): Promise<number> {
  const input = Array.from({ length: 1000 }, (_, index) => ({
    firstName: `First${index}`,
    lastName: `Batch${batch}`,
    primaryPhone: `+1555${String(batch).padStart(3, '0')}${String(index).padStart(4, '0')}`,
    smsConsent: index % 2 ? 'SUBSCRIBED' : undefined,
  }));
  let ids: string[] = [];
  const ms = await timed(async () => {
    const response = await fetch(`${arm.base}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': arm.apiKey },
      body: JSON.stringify({
        query: 'mutation($input: [CreateContactInput!]!) { createContacts(input: $input) { id } }',
        variables: { input },
      }),
    });
    const body = (await response.json()) as {
      data?: { createContacts: { id: string }[] };
      errors?: unknown;
    };
    if (!body.data) throw new Error(`${arm.name}: ${JSON.stringify(body.errors)}`);
    ids = body.data.createContacts.map((contact) => contact.id);
  });
  arm.contactIds.push(...ids);
  return ms;
}

async function addMembers(arm: Arm, round: number): Promise<number> {
  const headers = { 'content-type': 'application/json', 'x-api-key': arm.apiKey };
  const created = await fetch(`${arm.base}/api/audience`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: `Round ${round}` }),
  });
  const { id } = (await created.json()) as { id: string };
  const contacts = arm.contactIds.slice(0, 10_000);
  return timed(async () => {
    const response = await fetch(`${arm.base}/api/audience/${id}/add-contacts`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ contacts }),
    });
    if (response.status !== 200) throw new Error(`${arm.name}: ${await response.text()}`);
  });
}

function stats(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { min: sorted[0]!, median, max: sorted.at(-1)! };
}

async function report(timings: Record<string, Record<string, number[]>>, serverVersion: string) {
  const rows = Object.entries(timings).map(([write, arms]) => {
    const before = stats(arms.before!);
    const after = stats(arms.after!);
    return { write, before, after, ratio: after.median / before.median };
  });
  const ms = (value: number) => `${value.toFixed(0)} ms`;
  const lines = [
    '# Write cost of recording events (A/B in one run)',
    '',
    `${os.cpus().length} cores, Node ${process.version}, PostgreSQL ${serverVersion}; ${ROUNDS} rounds, alternating; before = ${BEFORE_COMMIT}. Target: after / before at most 1.10 (medians).`,
    '',
    '| write | before (min / median / max) | after (min / median / max) | after / before | target |',
    '| --- | --- | --- | --- | --- |',
    ...rows.map(
      (row) =>
        `| ${row.write} | ${ms(row.before.min)} / ${ms(row.before.median)} / ${ms(row.before.max)} | ${ms(row.after.min)} / ${ms(row.after.median)} / ${ms(row.after.max)} | ${row.ratio.toFixed(2)} | ${row.ratio <= 1.1 ? 'met' : 'missed'} |`,
    ),
    '',
    'Each round, in ms:',
    '',
    ...Object.entries(timings).flatMap(([write, arms]) =>
      Object.entries(arms).map(
        ([arm, values]) =>
          `- ${write}, ${arm}: ${values.map((value) => value.toFixed(0)).join(', ')}`,
      ),
    ),
    '',
  ];
  // One file: the table and every round's figure (bench/results keeps one per scenario).
  await writeFile(path.join(ROOT, 'bench', 'results', 'write-cost.md'), lines.join('\n'));
  console.log(lines.join('\n'));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
