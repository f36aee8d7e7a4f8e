import 'reflect-metadata';
import type { Knex } from '@mikro-orm/postgresql';
import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { AudienceSortField } from '../src/audience/audience.args';
import { audiencePageQuery } from '../src/audience/audience.repository';
import { encodeCursor } from '../src/common/cursor';
import { SortOrder } from '../src/common/sorting';
import { connectOrm } from '../src/database/database';
import { nativeSql } from '../src/database/sql';
import { issueApiKey } from '../src/organization/api-key.service';
import { BENCH_ORG_ID, BENCH_USER_ID, benchDatabase } from './bench-database';
import { findFreePort as freePort } from '../src/database/free-port';
import { readMatrix } from './read-matrix';
import { CALLS as OPT_OUT_CALLS, OPT_OUT_PHONES, optOutTimings } from './opt-outs';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

// npm run bench: the service (compiled, in its own process) against the benchmark data, driven
// over HTTP by autocannon, beside PostGraphile v5 and raw SQL on the same database.
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    scenarios: {
      type: 'string',
      default:
        'graphql-list,rest-list,contacts,add-contacts,opt-outs,read-matrix,postgraphile,raw-sql',
    },
    // Runs of the request-rate comparison (scenarios 1, 2, 5 and 6), each on a freshly started
    // service; the slower scenarios run in the first only.
    repeat: { type: 'string', default: '1' },
    // The results' file name under bench/results (.md and .json).
    results: { type: 'string', default: 'latest' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const SCENARIOS = new Set(values.scenarios!.split(','));
const REPEAT = Math.max(1, Number(values.repeat));
const ROOT = path.resolve(__dirname, '..');
// Long enough for JIT, pools, plans and a freshly started database's caches to settle.
const WARM_UP_SECONDS = 5;

interface Row {
  scenario: string;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  statementsPerRequest: number | null;
  peakRssMb: number | null;
  errors: number;
  note?: string;
}

// With the consent counts, kept on the row as contactCount is: the statement count must not move.
const AUDIENCE_FIELDS =
  'id organizationId name description createdAt updatedAt deletedAt createdBy updatedBy deletedBy contactCount smsSubscribedCount emailSubscribedCount';
const LIST_QUERY = `{ audiences(limit: 20) { data { ${AUDIENCE_FIELDS} } meta { page limit total totalPages hasNextPage hasPreviousPage } } }`;
const POSTGRAPHILE_QUERY = `{ allAudiences(first: 20, orderBy: [CREATED_AT_DESC, PRIMARY_KEY_DESC], condition: { organizationId: "${BENCH_ORG_ID}", deletedAt: null }) {
  totalCount
  nodes { rowId organizationId name description createdAt updatedAt deletedAt createdBy updatedBy deletedBy audienceContactsByAudienceId { totalCount } }
  pageInfo { hasNextPage hasPreviousPage }
} }`;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const { orm } = await connectOrm({
    url: database.url,
    poolSize: 2,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  const bench = await benchSetting(orm.em.getKnex(), database.url);
  const runs: Row[][] = [];
  for (let run = 1; run <= REPEAT; run += 1) {
    if (REPEAT > 1) console.log(`\n## Run ${run} of ${REPEAT}`);
    const rows = await serviceScenarios(bench, run);
    if (SCENARIOS.has('postgraphile')) rows.push(await postgraphileScenario(database.url));
    if (SCENARIOS.has('raw-sql')) rows.push(await rawSql(database.url));
    runs.push(rows);
  }
  await orm.close();
  await database.stop();
  // A run of the read matrix alone leaves the main results as they were.
  if (runs[0]!.length > 0) {
    await report(runs, {
      contacts: bench.contacts,
      bigAudience: bench.big.members,
      serverVersion: bench.serverVersion,
    });
  }
}

/** What every run works on: the data's sizes, its largest audience, a key, the server. */
interface BenchSetting {
  db: Knex;
  databaseUrl: string;
  apiKey: string;
  contacts: number;
  big: { audience_id: string; members: number };
  serverVersion: string;
}

async function benchSetting(db: Knex, databaseUrl: string): Promise<BenchSetting> {
  const contacts = Number(
    (
      (await db('contact').where({ organization_id: BENCH_ORG_ID }).count({ n: '*' }).first()) as {
        n: string;
      }
    ).n,
  );
  if (contacts < 1000) throw new Error('No benchmark data: run `npm run bench:data` first.');
  const { apiKey } = await issueApiKey(db, BENCH_ORG_ID, BENCH_USER_ID);
  const largest = await db.raw<{ rows: { audience_id: string; members: number }[] }>(
    `select audience_id, count(*)::int as members from audience_contact group by audience_id order by 2 desc limit 1`,
  );
  const serverVersion = (
    await db.raw<{ rows: { server_version: string }[] }>('show server_version')
  ).rows[0]!.server_version;
  return { db, databaseUrl, apiKey, contacts, big: largest.rows[0]!, serverVersion };
}

/** The scenarios that drive the service itself, on a freshly started one; the slow ones in run 1. */
async function serviceScenarios(bench: BenchSetting, run: number): Promise<Row[]> {
  const rows: Row[] = [];
  const port = await freePort();
  const service = await startProcess(
    'node',
    [path.join(ROOT, 'dist', 'src', 'main.js')],
    // No rate limit: one key sends every request of the benchmark.
    {
      DATABASE_URL: bench.databaseUrl,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      NODE_ENV: 'production',
      RATE_LIMIT_PER_MINUTE: '0',
      // Scenario 7 writes consent for 100,000 phones in one statement, which takes longer than
      // the default 15 s statement timeout on this data and machine (bench/README.md).
      STATEMENT_TIMEOUT_MS: '180000',
      RESPONSE_TIMEOUT_MS: '240000',
    },
    /listening on/,
  );
  const base = `http://127.0.0.1:${port}`;
  const headers = { 'content-type': 'application/json', 'x-api-key': bench.apiKey };
  const graphql = (query: string) => ({
    method: 'POST' as const,
    path: '/graphql',
    headers,
    body: JSON.stringify({ query }),
  });
  try {
    if (SCENARIOS.has('graphql-list')) {
      rows.push(
        await load(
          '1. GraphQL: 20 audiences with contactCount and meta',
          base,
          graphql(LIST_QUERY),
          service,
        ),
      );
    }
    if (SCENARIOS.has('rest-list')) {
      rows.push(
        await load(
          '2. REST: GET /api/audience?limit=20',
          base,
          { method: 'GET', path: '/api/audience?limit=20', headers },
          service,
        ),
      );
    }
    if (SCENARIOS.has('contacts') && run === 1) {
      for (const [label, query] of await memberQueries(bench)) {
        rows.push(await load(label, base, graphql(query), service));
      }
    }
    if (SCENARIOS.has('add-contacts') && run === 1)
      rows.push(...(await addContacts(base, headers, bench.db, service)));
    if (SCENARIOS.has('opt-outs') && run === 1)
      rows.push(...(await optOuts(base, headers, bench, service)));
    if (SCENARIOS.has('read-matrix') && run === 1) {
      await readMatrix(
        bench.db,
        base,
        headers,
        path.join(ROOT, 'bench', 'results'),
        `${os.cpus().length} cores (${os.cpus()[0]?.model}), Node ${process.version}, PostgreSQL ${bench.serverVersion}; ${bench.contacts.toLocaleString('en')} contacts.`,
        bench.serverVersion,
      );
    }
  } finally {
    service.process.kill('SIGTERM');
  }
  return rows;
}

/** Scenario 3: the largest audience's members, by page (deep too), searched, and by cursor. */
async function memberQueries({ db, big }: BenchSetting): Promise<[string, string][]> {
  const members = (args: string) =>
    `{ audience(id: "${big.audience_id}") { contacts(${args}) { data { id firstName lastName primaryPhone } meta { total } } } }`;
  const deepPage = Math.floor(big.members / 2 / 20);
  const deep = await db.raw<{ rows: { id: string; created_at: string }[] }>(
    `select c.id, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at
     from audience_contact ac join contact c on c.id = ac.contact_id where ac.audience_id = ?
     order by c.created_at desc, c.id desc offset ? limit 1`,
    [big.audience_id, deepPage * 20],
  );
  const cursor = encodeCursor(
    { sortBy: 'createdAt', sortOrder: 'desc', search: undefined },
    { value: deep.rows[0]!.created_at, id: deep.rows[0]!.id },
  );
  const connection = (after: string) =>
    `{ audience(id: "${big.audience_id}") { contactsConnection(first: 20${after}) { edges { node { id firstName lastName } } pageInfo { hasNextPage endCursor } totalCount } } }`;
  const size = big.members.toLocaleString('en');
  return [
    [`3a. contacts of a ${size}-member audience, page 1`, members('page: 1, limit: 20')],
    [
      `3b. same, page ${deepPage} (offset ${deepPage * 20})`,
      members(`page: ${deepPage}, limit: 20`),
    ],
    ['3c. same, page 1, search "john"', members('page: 1, limit: 20, search: "john"')],
    ['3d. same, search "john", page 10', members('page: 10, limit: 20, search: "john"')],
    ['3e. contactsConnection, first page', connection('')],
    [
      `3f. contactsConnection, after the ${(deepPage * 20).toLocaleString('en')}th contact`,
      connection(`, after: "${cursor}"`),
    ],
  ];
}

/** Scenario 5: PostGraphile v5 on the same database, the same logical read as scenario 1. */
async function postgraphileScenario(databaseUrl: string): Promise<Row> {
  const pglPort = await freePort();
  const postgraphile = await startProcess(
    'node',
    [path.join(ROOT, 'bench', 'postgraphile-server.cjs'), databaseUrl, String(pglPort)],
    {},
    /listening/,
  );
  try {
    const pglBase = `http://127.0.0.1:${pglPort}`;
    const body = {
      method: 'POST' as const,
      path: '/graphql',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: POSTGRAPHILE_QUERY }),
    };
    const probe = await (
      await fetch(`${pglBase}/graphql`, { method: 'POST', headers: body.headers, body: body.body })
    ).json();
    if ((probe as { errors?: unknown }).errors)
      throw new Error(`PostGraphile refused the query: ${JSON.stringify(probe)}`);
    return await load(
      '5. PostGraphile v5: the same read as 1',
      pglBase,
      body,
      postgraphile,
      async () => {
        const stats = (await (await fetch(`${pglBase}/__statements`)).json()) as {
          statements: number;
        };
        return stats.statements;
      },
    );
  } finally {
    postgraphile.process.kill('SIGTERM');
  }
}

interface Managed {
  process: ChildProcess;
  pid: number;
}

async function startProcess(
  command: string,
  args: string[],
  env: Record<string, string>,
  ready: RegExp,
): Promise<Managed> {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (ready.test(output)) resolve();
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) =>
      reject(new Error(`${command} ${args.join(' ')} exited with ${code}:\n${output}`)),
    );
    setTimeout(() => reject(new Error(`${command} did not start:\n${output}`)), 60_000).unref();
  });
  return { process: child, pid: child.pid! };
}

/** Resets the process's peak RSS (Linux), so that each scenario reports its own. */
async function resetPeakRss(pid: number): Promise<void> {
  await writeFile(`/proc/${pid}/clear_refs`, '5').catch(() => undefined);
}

async function peakRssMb(pid: number): Promise<number | null> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  const match = /VmHWM:\s+(\d+) kB/.exec(status);
  return match ? Math.round(Number(match[1]) / 1024) : null;
}

async function serviceStatements(base: string): Promise<number> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return Number(/^audience_gateway_sql_statements_total (\d+)$/m.exec(text)?.[1] ?? NaN);
}

async function load(
  scenario: string,
  base: string,
  request: { method: 'GET' | 'POST'; path: string; headers: Record<string, string>; body?: string },
  target: Managed,
  statements: () => Promise<number> = () => serviceStatements(base),
): Promise<Row> {
  // One request first: an answer with errors would be measured as fast as a right one.
  const probe = await fetch(base + request.path, {
    method: request.method,
    headers: request.headers,
    body: request.body,
  });
  const answer = await probe.text();
  if (probe.status >= 400 || answer.includes('"errors"'))
    throw new Error(`${scenario}: ${probe.status} ${answer.slice(0, 500)}`);
  // Warm up (JIT, plans, pools), then measure from a clean peak.
  await autocannon({
    url: base + request.path,
    ...request,
    connections: CONNECTIONS,
    duration: WARM_UP_SECONDS,
  });
  await resetPeakRss(target.pid);
  const before = await statements();
  const result = await autocannon({
    url: base + request.path,
    ...request,
    connections: CONNECTIONS,
    duration: DURATION,
  });
  const after = await statements();
  const row: Row = {
    scenario,
    requestsPerSecond: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    statementsPerRequest:
      result.requests.total > 0 ? round((after - before) / result.requests.total, 2) : null,
    peakRssMb: await peakRssMb(target.pid),
    errors: result.errors + result.non2xx,
    ...(result.timeouts > 0 && {
      note: `${result.timeouts} requests timed out (autocannon waits 10 s)`,
    }),
  };
  console.log(formatRow(row));
  // Requests that timed out on the client still run on the server: let them finish first.
  if (result.timeouts > 0) await new Promise((resolve) => setTimeout(resolve, 20_000));
  return row;
}

/** Scenario 4: single calls of 10,000 ids each, timed one after another. */
async function addContacts(
  base: string,
  headers: Record<string, string>,
  db: Knex,
  target: Managed,
): Promise<Row[]> {
  const ids = (
    await db('contact')
      .where({ organization_id: BENCH_ORG_ID })
      .orderBy('id')
      .limit(50_000)
      .select('id')
  ).map((row: { id: string }) => row.id);
  await resetPeakRss(target.pid);
  const calls: AddAndRemove[] = [];
  for (let call = 0; call < 5; call += 1) {
    calls.push(
      await addAndRemove(base, headers, db, ids.slice(call * 10_000, (call + 1) * 10_000)),
    );
  }
  const duplicates = calls.reduce((sum, call) => sum + call.duplicates, 0);
  const left = calls.reduce((sum, call) => sum + call.left, 0);
  const peakRss = await peakRssMb(target.pid);
  const row = fiveCalls(
    '4. addContactsToAudience with 10,000 ids (5 calls)',
    calls.map((call) => call.addMs),
    {
      statementsPerRequest: calls.at(-1)!.statements,
      peakRssMb: peakRss,
      note: `${duplicates === 0 ? 'no duplicates' : `${duplicates} rows missing or duplicated`}; one INSERT (statements: BEGIN, lock contacts, lock audience, insert, COMMIT)`,
    },
  );
  const removal = fiveCalls(
    '4b. removeContactsFromAudience with 10,000 ids (5 calls)',
    calls.map((call) => call.removeMs),
    {
      statementsPerRequest: null,
      peakRssMb: peakRss,
      note: `${left === 0 ? 'every member removed' : `${left} members left`}; one DELETE`,
    },
  );
  console.log(formatRow(row));
  console.log(formatRow(removal));
  return [row, removal];
}

/** Scenario 7 (opt-outs.ts): consent written for 100,000 phones, and the raw UPDATE beside it. */
async function optOuts(
  base: string,
  headers: Record<string, string>,
  bench: BenchSetting,
  target: Managed,
): Promise<Row[]> {
  await resetPeakRss(target.pid);
  const timings = await optOutTimings(base, headers, bench.db, bench.databaseUrl);
  const phones = OPT_OUT_PHONES.toLocaleString('en');
  const row = (
    scenario: string,
    timings: number[],
  ): Omit<Row, 'statementsPerRequest' | 'peakRssMb'> => {
    const sorted = [...timings].sort((a, b) => a - b);
    return {
      scenario,
      requestsPerSecond: round(1000 / (sorted.reduce((a, b) => a + b, 0) / sorted.length), 3),
      p50: Math.round(sorted[0]!),
      p99: Math.round(sorted.at(-1)!),
      errors: 0,
    };
  };
  const service: Row = {
    ...row(
      `7. POST /api/contacts/opt-outs with ${phones} phones (${OPT_OUT_CALLS} calls)`,
      timings.service,
    ),
    statementsPerRequest: null,
    peakRssMb: await peakRssMb(target.pid),
    note: `unsubscribed ${[...new Set(timings.unsubscribed)].join(', ')} each call; ${timings.records.toLocaleString('en')} changes recorded (the calls and the resubscriptions between them); p50 is the fastest call, p99 the slowest`,
  };
  const raw: Row = {
    ...row(`7b. the same UPDATE straight from pg (${OPT_OUT_CALLS} calls)`, timings.raw),
    statementsPerRequest: 1,
    peakRssMb: null,
    note: `the same triggers; service / raw, fastest calls: ${round(Math.min(...timings.service) / Math.min(...timings.raw), 2)}`,
  };
  console.log(formatRow(service));
  console.log(formatRow(raw));
  return [service, raw];
}

interface AddAndRemove {
  addMs: number;
  removeMs: number;
  statements: number;
  /** Ids added but not found as members, or found twice. */
  duplicates: number;
  /** Members left after the removal. */
  left: number;
}

/** One call of scenario 4: a new audience, the batch added, then taken out again (4b). */
async function addAndRemove(
  base: string,
  headers: Record<string, string>,
  db: Knex,
  batch: string[],
): Promise<AddAndRemove> {
  const created = await fetch(`${base}/api/audience`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ name: `Bench add ${randomUUID().slice(0, 8)}` }),
  });
  const audience = (await created.json()) as { id: string };
  const members = async () =>
    Number(
      (
        (await db('audience_contact')
          .where({ audience_id: audience.id })
          .count({ n: '*' })
          .first()) as {
          n: string;
        }
      ).n,
    );
  const timed = async (change: 'add-contacts' | 'remove-contacts') => {
    const started = performance.now();
    const response = await fetch(`${base}/api/audience/${audience.id}/${change}`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ contacts: batch }),
    });
    const ms = performance.now() - started;
    if (response.status !== 200)
      throw new Error(`${change} answered ${response.status}: ${await response.text()}`);
    return ms;
  };
  const before = await serviceStatements(base);
  const addMs = await timed('add-contacts');
  const statements = (await serviceStatements(base)) - before;
  const duplicates = batch.length - (await members());
  const removeMs = await timed('remove-contacts');
  const left = await members();
  await fetch(`${base}/api/audience/${audience.id}`, { method: 'DELETE', headers });
  return { addMs, removeMs, statements, duplicates, left };
}

/** A row of five timed calls: their mean rate, the median as p50 and the slowest as p99. */
function fiveCalls(
  scenario: string,
  timings: number[],
  rest: Pick<Row, 'statementsPerRequest' | 'peakRssMb' | 'note'>,
): Row {
  const sorted = [...timings].sort((a, b) => a - b);
  return {
    scenario,
    requestsPerSecond: round(1000 / (sorted.reduce((a, b) => a + b, 0) / sorted.length), 2),
    p50: Math.round(sorted[2]!),
    p99: Math.round(sorted[4]!),
    errors: 0,
    ...rest,
  };
}

/**
 * Scenario 6: the statement scenario 1 sends once its key is cached (built by the service's own
 * repository, so that it stays the same), sent directly with pg: the ceiling.
 */
async function rawSql(url: string): Promise<Row> {
  const { text: sql, values: bindings } = nativeSql(
    audiencePageQuery(BENCH_ORG_ID, {
      search: undefined,
      sortBy: AudienceSortField.createdAt,
      sortOrder: SortOrder.desc,
      window: { limit: 20, offset: 0 },
    }).named('audience.page'),
  );
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // Warmed up as the HTTP scenarios are.
  const warmUp = Date.now() + WARM_UP_SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (Date.now() < warmUp) await pool.query(sql, bindings as unknown[]);
    }),
  );
  const latencies: number[] = [];
  const deadline = Date.now() + DURATION * 1000;
  const once = async () => {
    const started = performance.now();
    await pool.query(sql, bindings as unknown[]);
    latencies.push(performance.now() - started);
  };
  const worker = async () => {
    while (Date.now() < deadline) await once();
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, worker));
  await pool.end();
  latencies.sort((a, b) => a - b);
  const row: Row = {
    scenario: '6. raw SQL with pg: the statement of 1, no HTTP, no GraphQL',
    requestsPerSecond: Math.round(latencies.length / DURATION),
    p50: Math.round(latencies[Math.floor(latencies.length * 0.5)]!),
    p99: Math.round(latencies[Math.floor(latencies.length * 0.99)]!),
    statementsPerRequest: 1,
    peakRssMb: null,
    errors: 0,
  };
  console.log(formatRow(row));
  return row;
}

function round(value: number, digits: number): number {
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}

function formatRow(row: Row): string {
  return `| ${row.scenario} | ${row.requestsPerSecond} | ${row.p50} | ${row.p99} | ${row.statementsPerRequest ?? '–'} | ${row.peakRssMb ?? '–'} | ${row.errors} |${row.note ? ` ${row.note}` : ''}`;
}

async function report(
  runs: Row[][],
  data: { contacts: number; bigAudience: number; serverVersion: string },
): Promise<void> {
  const environment = environmentOf(data, runs.length);
  const perRun = runs.map((rows) => ({
    rows,
    ratios: ratiosOf(rows),
    targets: evaluateTargets(rows),
  }));
  const table = (rows: Row[]) => [
    '| scenario | requests/s | p50 ms | p99 ms | SQL statements / request | peak RSS MB | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(formatRow),
  ];
  const ratioLine = (ratios: Ratios) =>
    `Ours / PostGraphile (requests/s): ${ratios.oursToPostGraphile ?? '–'}; ours / raw SQL: ${ratios.oursToRawSql ?? '–'}; REST / GraphQL: ${ratios.restToGraphQL ?? '–'}.`;
  const markdown = [
    `# Benchmark results, ${environment.date.slice(0, 10)}`,
    '',
    `${environment.cores} cores (${environment.cpu}), ${environment.memoryGb} GiB, Node ${environment.node}, PostgreSQL ${environment.postgres}, ` +
      `${Object.entries(environment.packages)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ')}; ` +
      `${data.contacts.toLocaleString('en')} contacts, largest audience ${data.bigAudience.toLocaleString('en')} members; ` +
      `${CONNECTIONS} connections for ${DURATION} s per scenario (after ${WARM_UP_SECONDS} s of warm-up)` +
      (runs.length > 1
        ? `; ${runs.length} runs, each on a freshly started service, one after another.`
        : '.'),
    '',
    ...(runs.length > 1 ? [...spread(runs), ''] : []),
    ...perRun.flatMap(({ rows, ratios }, index) => [
      ...(runs.length > 1 ? [`## Run ${index + 1}`, ''] : []),
      ...table(rows),
      '',
      ratioLine(ratios),
      '',
    ]),
    '## Targets',
    '',
    ...targetTable(perRun.map((run) => run.targets)),
    '',
    'What was tried, and what did not pay: bench/README.md.',
    '',
  ].join('\n');
  const dir = path.join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, `${values.results}.md`), markdown);
  await writeFile(
    path.join(dir, `${values.results}.json`),
    `${JSON.stringify({ environment, runs: perRun }, null, 2)}\n`,
  );
  console.log(`\n${markdown}\nwritten to bench/results/${values.results}.md and .json`);
}

/** The machine, the versions and the sizes a result was measured with. */
function environmentOf(
  data: { contacts: number; bigAudience: number; serverVersion: string },
  runs: number,
) {
  return {
    date: new Date().toISOString(),
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model,
    memoryGb: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    postgres: data.serverVersion,
    packages: Object.fromEntries(
      [
        '@apollo/server',
        'graphql',
        'graphql-jit',
        'type-graphql',
        'fastify',
        '@mikro-orm/core',
        'pg',
        'postgraphile',
        'autocannon',
      ].map((name) => [name, versionOf(name)]),
    ),
    contacts: data.contacts,
    largestAudience: data.bigAudience,
    durationSeconds: DURATION,
    connections: CONNECTIONS,
    runs,
  };
}

/** Each target, judged run by run, with whether it was met in all of them. */
function targetTable(targets: Target[][]): string[] {
  return [
    `| target | ${targets.length > 1 ? targets.map((_, index) => `run ${index + 1}`).join(' | ') : 'figure'} | met |`,
    `| --- | ${targets.map(() => '---').join(' | ')} | --- |`,
    ...targets[0]!.map((target, index) => {
      const verdicts = targets.map((run) => run[index]!.met);
      const judged = verdicts.filter((met) => met !== null);
      const met =
        judged.length === 0
          ? 'not run'
          : judged.every(Boolean)
            ? targets.length > 1
              ? `met in all ${judged.length} runs`
              : 'met'
            : `**missed**${targets.length > 1 ? ` in ${judged.filter((verdict) => !verdict).length} of ${judged.length} runs` : ''}`;
      return `| ${target.target} | ${targets.map((run) => run[index]!.figure).join(' | ')} | ${met} |`;
    }),
  ];
}

interface Ratios {
  oursToPostGraphile: number | null;
  oursToRawSql: number | null;
  restToGraphQL: number | null;
}

function ratiosOf(rows: Row[]): Ratios {
  const find = (prefix: string) => rows.find((row) => row.scenario.startsWith(prefix));
  const ratio = (a?: Row, b?: Row) =>
    a && b ? round(a.requestsPerSecond / b.requestsPerSecond, 2) : null;
  return {
    oursToPostGraphile: ratio(find('1.'), find('5.')),
    oursToRawSql: ratio(find('1.'), find('6.')),
    restToGraphQL: ratio(find('2.'), find('1.')),
  };
}

/** Each repeated scenario's requests/s and p99 over the runs (min, median, max), and the ratios'. */
function spread(runs: Row[][]): string[] {
  const range = (numbers: number[]) => {
    const sorted = [...numbers].sort((a, b) => a - b);
    const median = sorted[Math.floor(sorted.length / 2)]!;
    const low = sorted[0]!;
    const high = sorted.at(-1)!;
    return `${low} / ${median} / ${high} (±${round(((high - low) / 2 / median) * 100, 0)} %)`;
  };
  const repeated = runs[0]!.filter((row) =>
    runs.every((rows) => rows.some((other) => other.scenario === row.scenario)),
  );
  const ratios = runs.map(ratiosOf);
  const ratioRow = (label: string, key: keyof Ratios) => {
    const values = ratios.map((ratio) => ratio[key]).filter((value) => value !== null);
    return values.length === runs.length ? [`| ${label} | ${range(values)} | |`] : [];
  };
  return [
    '## Spread over the runs (min / median / max)',
    '',
    '| scenario | requests/s | p99 ms |',
    '| --- | --- | --- |',
    ...repeated.map((row) => {
      const same = runs.map((rows) => rows.find((other) => other.scenario === row.scenario)!);
      return `| ${row.scenario} | ${range(same.map((one) => one.requestsPerSecond))} | ${range(same.map((one) => one.p99))} |`;
    }),
    ...ratioRow('ours / PostGraphile', 'oursToPostGraphile'),
    ...ratioRow('ours / raw SQL', 'oursToRawSql'),
    ...ratioRow('REST / GraphQL', 'restToGraphQL'),
  ];
}

/** A package's installed version: the service's, or (PostGraphile) the benchmark's own. */
function versionOf(name: string): string {
  const file = [ROOT, path.join(ROOT, 'bench')]
    .map((base) => path.join(base, 'node_modules', name, 'package.json'))
    .find((candidate) => existsSync(candidate))!;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
}

interface Target {
  target: string;
  figure: string;
  met: boolean | null;
}

/** The targets of the benchmark issues, judged on one run's figures. */
function evaluateTargets(rows: Row[]): Target[] {
  const find = (prefix: string) => rows.find((row) => row.scenario.startsWith(prefix));
  const [ours, rest, postgraphile, raw] = [find('1.'), find('2.'), find('5.'), find('6.')];
  const [search, first, deep, add] = [find('3c.'), find('3e.'), find('3f.'), find('4.')];
  const remove = find('4b.');
  const [optOuts, rawOptOuts] = [find('7.'), find('7b.')];
  // The service's own scenarios (1 to 4), not PostGraphile's.
  const service = rows.filter((row) => /^[1-4]/.test(row.scenario));
  const peak = Math.max(...service.map((row) => row.peakRssMb ?? 0));
  const reads = [ours, rest].filter((row) => row !== undefined);
  return [
    {
      target: '(1) at least 1.5× the requests/s of PostGraphile (5), p99 no worse',
      figure:
        ours && postgraphile
          ? `${round(ours.requestsPerSecond / postgraphile.requestsPerSecond, 2)}×; p99 ${ours.p99} vs ${postgraphile.p99} ms`
          : '–',
      met:
        ours && postgraphile
          ? ours.requestsPerSecond >= 1.5 * postgraphile.requestsPerSecond &&
            ours.p99 <= postgraphile.p99
          : null,
    },
    {
      target: '(1) at least 0.8× the raw-SQL ceiling (6)',
      figure: ours && raw ? `${round(ours.requestsPerSecond / raw.requestsPerSecond, 2)}×` : '–',
      met: ours && raw ? ours.requestsPerSecond >= 0.8 * raw.requestsPerSecond : null,
    },
    {
      target: '(2) REST at least as fast as GraphQL (1)',
      figure: ours && rest ? `${rest.requestsPerSecond} vs ${ours.requestsPerSecond} req/s` : '–',
      met: ours && rest ? rest.requestsPerSecond >= ours.requestsPerSecond : null,
    },
    {
      target: 'one SQL statement per read once the key is known (1, 2)',
      figure: reads.map((row) => `${row.statementsPerRequest}`).join(', ') || '–',
      met: reads.length > 0 ? reads.every((row) => (row.statementsPerRequest ?? 99) < 1.1) : null,
    },
    {
      target: '(3) page 1 with search under 30 ms p50 on the 200,000-member audience',
      figure: search ? `${search.p50} ms p50` : '–',
      met: search ? search.p50 < 30 : null,
    },
    {
      target: '(3) a deep page by cursor costs no more than page 1',
      figure:
        first && deep
          ? `${deep.p50} vs ${first.p50} ms p50; ${deep.requestsPerSecond} vs ${first.requestsPerSecond} req/s`
          : '–',
      met: first && deep ? deep.p50 <= first.p50 * 1.1 + 1 : null,
    },
    {
      target: 'removing 10,000 ids under 1 s, every member removed',
      figure: remove ? `${remove.p99} ms at worst; ${remove.note}` : '–',
      met: remove ? remove.p99 < 1000 && (remove.note ?? '').startsWith('every member') : null,
    },
    {
      target: '(4) 10,000 ids under 1 s, one statement, no duplicates',
      figure: add ? `${add.p99} ms at worst; ${add.note}` : '–',
      met: add ? add.p99 < 1000 && (add.note ?? '').startsWith('no duplicates') : null,
    },
    {
      target: '(7) consent for 100,000 phones under 2 s, each of them changed',
      figure: optOuts
        ? `${optOuts.p50} ms p50, ${optOuts.p99} ms at worst (raw UPDATE ${rawOptOuts?.p50 ?? '–'} ms p50); ${optOuts.note}`
        : '–',
      met: optOuts
        ? optOuts.p99 < 2000 && (optOuts.note ?? '').startsWith('unsubscribed 100000 each')
        : null,
    },
    {
      target: 'peak RSS under 250 MB at 50 connections',
      figure: `${peak} MB`,
      met: service.some((row) => row.peakRssMb !== null) ? peak < 250 : null,
    },
  ];
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
