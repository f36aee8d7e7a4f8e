import 'reflect-metadata';
import type { Knex } from '@mikro-orm/postgresql';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';
import { connectOrm } from '../src/database/database';
import { findFreePort } from '../src/database/free-port';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';
import { issueApiKey } from '../src/organization/api-key.service';
import { createOrganization } from '../src/organization/organization.service';
import { BENCH_ORG_ID, BENCH_USER_ID, benchDatabase } from './bench-database';

// npm run bench:bulk: issue 25's figures, through the compiled service (its own process, its RSS
// sampled from /proc) on the benchmark database (npm run bench:data: 1,000,000 contacts, 10,000
// audiences). Every figure of a run is measured in that run, so ratios hold where the machine
// drifts:
// - import jobs over HTTP: ROWS new contacts into a new organization, the same file again, and
//   ROWS new contacts into an audience (?audienceId);
// - exports: the 200,000-member audience and the 1,000,000 contacts, CSV;
// - writes on the large organization: 10,000 ids added to a new audience and removed (5 calls
//   each), 1,000 contacts created by GraphQL (10 calls);
// - isolation: the large organization's member pages and one-contact creates, idle and then while
//   another organization imports ROWS rows, and that import against the quiet one.
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '1000000' },
    skip: { type: 'string', default: '' },
  },
});
const ROWS = Number(values.rows);
const SKIP = new Set(values.skip!.split(',').filter(Boolean));
const ROOT = path.resolve(__dirname, '..');
const DIRECTORY = path.join(os.tmpdir(), 'audience-gateway-bulk-bench');
// Phones for the contacts the writes create: ten digits from a random start, one after another.
let nextPhone = 2_000_000_000 + Math.floor(Math.random() * 7_000_000_000);
const freshPhone = (country: string) => `+${country}${nextPhone++}`;

interface Service {
  base: string;
  child: ChildProcess;
  /** Peak RSS (MB) since the last reset. */
  peakMb(): number;
  resetPeak(): void;
}

type Figures = Record<string, number | string>;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const { orm } = await connectOrm({
    url: database.url,
    poolSize: 2,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  const db = orm.em.getKnex();
  const serverVersion = (
    await db.raw<{ rows: { server_version: string }[] }>('show server_version')
  ).rows[0]!.server_version;
  const [big] = (
    await db.raw<{ rows: { id: string; members: number }[] }>(
      `select id, contact_count as members from audience where organization_id = ? and deleted_at is null
       order by contact_count desc limit 1`,
      [BENCH_ORG_ID],
    )
  ).rows;
  if (!big || big.members < 100_000) throw new Error('no benchmark data: run npm run bench:data');
  const [mid] = (
    await db.raw<{ rows: { id: string }[] }>(
      `select id from audience where organization_id = ? and deleted_at is null and contact_count = 20000 limit 1`,
      [BENCH_ORG_ID],
    )
  ).rows;
  const benchKey = (await issueApiKey(db, BENCH_ORG_ID, BENCH_USER_ID)).apiKey;
  await mkdir(DIRECTORY, { recursive: true });
  const files = {
    first: path.join(DIRECTORY, `a-${ROWS}.csv`),
    second: path.join(DIRECTORY, `b-${ROWS}.csv`),
    third: path.join(DIRECTORY, `c-${ROWS}.csv`),
  };
  await writeCsv(files.first, ROWS, 1);
  await writeCsv(files.second, ROWS, 2);
  await writeCsv(files.third, ROWS, 3);
  const service = await startService(database.url);
  const figures: Figures = {};
  const organizations: string[] = [];
  const newOrganization = async (name: string) => {
    const created = await createOrganization(db, name);
    organizations.push(created.organizationId);
    return created;
  };
  try {
    if (!SKIP.has('import')) {
      const org = await newOrganization(`Bulk bench ${Date.now()}`);
      const quiet = await importJob(service, org.apiKey, files.first);
      Object.assign(figures, prefixed('import new', quiet));
      Object.assign(
        figures,
        prefixed('import again', await importJob(service, org.apiKey, files.first)),
      );
      const withAudience = await newOrganization(`Bulk bench audience ${Date.now()}`);
      const audienceId = await createAudience(service, withAudience.apiKey);
      Object.assign(
        figures,
        prefixed(
          'import into audience',
          await importJob(service, withAudience.apiKey, files.second, audienceId),
        ),
      );
    }
    if (!SKIP.has('export')) {
      Object.assign(
        figures,
        prefixed(
          'export 200,000 members',
          await exportFile(service, benchKey, `/api/audience/${big.id}/contacts/export?format=csv`),
        ),
      );
      Object.assign(
        figures,
        prefixed(
          'export 1,000,000 contacts',
          await exportFile(service, benchKey, '/api/contacts/export?format=csv'),
        ),
      );
    }
    if (!SKIP.has('writes')) Object.assign(figures, await writes(service, benchKey, db));
    if (!SKIP.has('isolation')) {
      const importer = await newOrganization(`Bulk bench beside ${Date.now()}`);
      Object.assign(
        figures,
        await isolation(
          service,
          benchKey,
          importer.apiKey,
          mid!.id,
          files.third,
          figures['import new seconds'] as number | undefined,
        ),
      );
    }
  } finally {
    service.child.kill('SIGTERM');
    await once(service.child, 'exit');
    for (const id of organizations) await db('organization').where({ id }).delete();
    await db('contact')
      .where({ organization_id: BENCH_ORG_ID })
      .where('first_name', 'like', 'BulkBench%')
      .delete();
    await orm.close();
    await database.stop();
  }
  await report(figures, serverVersion, !process.env.DATABASE_URL);
}

function prefixed(name: string, values: Figures): Figures {
  return Object.fromEntries(
    Object.entries(values).map(([key, value]) => [`${name} ${key}`, value]),
  );
}

/** Rows numbered from 1 (phones of their own per file), names from short lists, two e-mails in three. */
async function writeCsv(file: string, rows: number, series: number): Promise<void> {
  if (
    await stat(file).then(
      () => true,
      () => false,
    )
  )
    return;
  const out = createWriteStream(file);
  out.write('firstName,lastName,primaryPhone,primaryEmail\n');
  for (let index = 1; index <= rows; index += 1) {
    const email = index % 3 === 0 ? '' : `person.${series}.${index}@example.com`;
    const line = `First${index % 97},"Last, ${index % 89}",+4${series}${String(7_000_000_000 + index)},${email}\n`;
    if (!out.write(line)) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

async function startService(url: string): Promise<Service> {
  const port = await findFreePort();
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'src', 'main.js')], {
    env: {
      ...process.env,
      DATABASE_URL: url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      RATE_LIMIT_PER_MINUTE: '0',
      // The 1,000,000-row uploads arrive from this machine's disk in seconds; the writes of the
      // large organization take longer than the default 15 s statement timeout under load.
      STATEMENT_TIMEOUT_MS: '120000',
      RESPONSE_TIMEOUT_MS: '240000',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const deadline = Date.now() + 120_000;
  while (!/listening on/.test(output)) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no start:\n${output}`);
    await sleep(100);
  }
  let peakKb = 0;
  const sampler = setInterval(() => {
    void readFile(`/proc/${child.pid}/status`, 'utf8').then(
      (status) => {
        const match = /VmRSS:\s+(\d+) kB/.exec(status);
        if (match) peakKb = Math.max(peakKb, Number(match[1]));
      },
      () => undefined,
    );
  }, 50);
  sampler.unref();
  child.once('exit', () => clearInterval(sampler));
  return {
    base: `http://127.0.0.1:${port}`,
    child,
    peakMb: () => Math.round(peakKb / 1024),
    resetPeak: () => (peakKb = 0),
  };
}

async function createAudience(service: Service, apiKey: string): Promise<string> {
  const response = await fetch(`${service.base}/api/audience`, {
    method: 'POST',
    headers: { 'x-api-key': apiKey, 'content-type': 'application/json' },
    body: JSON.stringify({ name: `Imported ${Date.now()}` }),
  });
  return ((await response.json()) as { id: string }).id;
}

/** One upload, from the request's start to the job's end (polled every 100 ms). */
async function importJob(
  service: Service,
  apiKey: string,
  file: string,
  audienceId?: string,
): Promise<Figures> {
  service.resetPeak();
  const started = Date.now();
  const response = await fetch(
    `${service.base}/api/contacts/imports${audienceId ? `?audienceId=${audienceId}` : ''}`,
    {
      method: 'POST',
      headers: { 'x-api-key': apiKey, 'content-type': 'text/csv' },
      body: Readable.toWeb(createReadStream(file)) as ReadableStream,
      duplex: 'half',
    } as RequestInit,
  );
  const accepted = (await response.json()) as { id: string; status: string };
  if (response.status !== 202)
    throw new Error(`upload: ${response.status} ${JSON.stringify(accepted)}`);
  const uploaded = Date.now();
  let job: Record<string, unknown>;
  for (;;) {
    job = (await (
      await fetch(`${service.base}/api/contacts/imports/${accepted.id}`, {
        headers: { 'x-api-key': apiKey },
      })
    ).json()) as Record<string, unknown>;
    if (job.status === 'completed' || job.status === 'failed') break;
    await sleep(100);
  }
  if (job.status !== 'completed')
    throw new Error(`import failed: ${JSON.stringify(job).slice(0, 500)}`);
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ file: path.basename(file), seconds, job }));
  return {
    seconds: round(seconds),
    'upload seconds': round((uploaded - started) / 1000),
    'peak RSS MB': service.peakMb(),
    created: job.created as number,
    unchanged: job.unchanged as number,
  };
}

async function exportFile(
  service: Service,
  apiKey: string,
  pathAndQuery: string,
): Promise<Figures> {
  service.resetPeak();
  const started = Date.now();
  const response = await fetch(`${service.base}${pathAndQuery}`, {
    headers: { 'x-api-key': apiKey },
  });
  if (response.status !== 200)
    throw new Error(`export: ${response.status} ${await response.text()}`);
  let bytes = 0;
  let lines = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length;
    for (const byte of chunk) if (byte === 10) lines += 1;
  }
  const seconds = (Date.now() - started) / 1000;
  console.log(JSON.stringify({ export: pathAndQuery, seconds, bytes, lines }));
  return {
    seconds: round(seconds),
    rows: lines - 1,
    MB: round(bytes / 2 ** 20),
    'peak RSS MB': service.peakMb(),
  };
}

/** The writes issue 25 names, on the large organization. */
async function writes(service: Service, apiKey: string, db: Knex): Promise<Figures> {
  const ids = (
    await db.raw<{ rows: { id: string }[] }>(
      `select id from contact where organization_id = ? order by md5(id::text) limit 50000`,
      [BENCH_ORG_ID],
    )
  ).rows.map((row) => row.id);
  const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' };
  const adds: number[] = [];
  const removes: number[] = [];
  for (let call = 0; call < 5; call += 1) {
    const audienceId = await createAudience(service, apiKey);
    const batch = ids.slice(call * 10_000, (call + 1) * 10_000);
    for (const [change, into] of [
      ['add-contacts', adds],
      ['remove-contacts', removes],
    ] as const) {
      const started = performance.now();
      const response = await fetch(`${service.base}/api/audience/${audienceId}/${change}`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ contacts: batch }),
      });
      if (response.status !== 200)
        throw new Error(`${change}: ${response.status} ${await response.text()}`);
      await response.arrayBuffer();
      into.push(performance.now() - started);
    }
    await fetch(`${service.base}/api/audience/${audienceId}`, { method: 'DELETE', headers });
  }
  const creates: number[] = [];
  for (let call = 0; call < 10; call += 1) {
    const input = Array.from({ length: 1000 }, (_, index) => ({
      firstName: `BulkBench${index}`,
      lastName: 'Create',
      primaryPhone: freshPhone('49'),
    }));
    const started = performance.now();
    const response = await fetch(`${service.base}/graphql`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        query: 'mutation($input: [CreateContactInput!]!) { createContacts(input: $input) { id } }',
        variables: { input },
      }),
    });
    const answer = (await response.json()) as { errors?: unknown };
    if (answer.errors)
      throw new Error(`createContacts: ${JSON.stringify(answer.errors).slice(0, 300)}`);
    creates.push(performance.now() - started);
  }
  return {
    'add 10,000 ids p50 ms': median(adds),
    'add 10,000 ids max ms': Math.round(Math.max(...adds)),
    'remove 10,000 ids p50 ms': median(removes),
    'remove 10,000 ids max ms': Math.round(Math.max(...removes)),
    'create 1,000 contacts p50 ms': median(creates),
    'create 1,000 contacts max ms': Math.round(Math.max(...creates)),
  };
}

/**
 * The large organization's member pages (two loops) and one-contact creates (one loop), first
 * idle for 15 s, then while another organization imports ROWS rows.
 */
async function isolation(
  service: Service,
  apiKey: string,
  importerKey: string,
  audienceId: string,
  file: string,
  quietSeconds: number | undefined,
): Promise<Figures> {
  const headers = { 'x-api-key': apiKey, 'content-type': 'application/json' };
  const loops = (until: () => boolean) => {
    const pages: number[] = [];
    const creates: number[] = [];
    const page = async () => {
      while (!until()) {
        const started = performance.now();
        const response = await fetch(
          `${service.base}/api/audience/${audienceId}/contacts?limit=20&sortBy=firstName&sortOrder=asc`,
          { headers },
        );
        await response.arrayBuffer();
        pages.push(performance.now() - started);
      }
    };
    const create = async () => {
      while (!until()) {
        const started = performance.now();
        const response = await fetch(`${service.base}/api/contacts`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            firstName: 'BulkBenchOne',
            lastName: 'Beside',
            primaryPhone: freshPhone('48'),
          }),
        });
        await response.arrayBuffer();
        creates.push(performance.now() - started);
      }
    };
    return { pages, creates, done: Promise.all([page(), page(), create()]) };
  };
  const idleUntil = Date.now() + 15_000;
  const idle = loops(() => Date.now() > idleUntil);
  await idle.done;
  let importing = true;
  const busy = loops(() => !importing);
  const imported = await importJob(service, importerKey, file).finally(() => (importing = false));
  await busy.done;
  return {
    'beside pages idle p50 ms': median(idle.pages),
    'beside pages during p50 ms': median(busy.pages),
    'beside pages ratio': round(median(busy.pages) / median(idle.pages)),
    'beside creates idle p50 ms': median(idle.creates),
    'beside creates during p50 ms': median(busy.creates),
    'beside creates ratio': round(median(busy.creates) / median(idle.creates)),
    'beside creates during max ms': Math.round(Math.max(...busy.creates)),
    'import beside traffic seconds': imported.seconds as number,
    ...(quietSeconds === undefined
      ? {}
      : { 'import beside traffic / quiet': round((imported.seconds as number) / quietSeconds) }),
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return round(sorted[Math.floor(sorted.length / 2)] ?? NaN);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function report(figures: Figures, serverVersion: string, embedded: boolean): Promise<void> {
  const major = serverVersion.split('.')[0];
  const out = path.join(ROOT, 'bench', 'results', `bulk-pg${major}.md`);
  const previous = await readFile(out.replace(/\.md$/, '.json'), 'utf8').then(
    (text) => JSON.parse(text) as { runs: { at: string; figures: Figures }[] },
    () => ({ runs: [] }),
  );
  const runs = [...previous.runs, { at: new Date().toISOString(), figures }];
  const names = [...new Set(runs.flatMap((run) => Object.keys(run.figures)))];
  const lines = [
    `# Bulk import and export, and the writes beside them`,
    '',
    `PostgreSQL ${serverVersion} (${embedded ? 'embedded' : 'DATABASE_URL'}), Node ${process.version}, ` +
      `${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB; ${ROWS.toLocaleString('en')}-row files; ` +
      'the benchmark data (1,000,000 contacts, 10,000 audiences). `npm run bench:bulk`: the compiled service in its own process, its peak RSS from /proc. One column per run.',
    '',
    `| figure | ${runs.map((run) => run.at.slice(0, 16).replace('T', ' ')).join(' | ')} |`,
    `| --- | ${runs.map(() => '---:').join(' | ')} |`,
    ...names.map(
      (name) => `| ${name} | ${runs.map((run) => String(run.figures[name] ?? '–')).join(' | ')} |`,
    ),
    '',
  ];
  await writeFile(out, lines.join('\n'));
  await writeFile(out.replace(/\.md$/, '.json'), `${JSON.stringify({ runs }, null, 2)}\n`);
  console.log(lines.join('\n'));
  await rm(DIRECTORY, { recursive: true, force: true }).catch(() => undefined);
}

void main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
