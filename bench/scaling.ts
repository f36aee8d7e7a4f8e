import autocannon from 'autocannon';
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { findFreePort as freePort } from '../src/database/free-port';
import { connectOrm } from '../src/database/database';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';
import { issueApiKey } from '../src/organization/api-key.service';
import { PgBouncer } from '../test/support/pgbouncer';
import { RedisServer } from '../test/support/redis-server';
import { BENCH_ORG_ID, BENCH_USER_ID, benchDatabase } from './bench-database';

// npm run bench:scaling: what each piece of a several-instance deployment costs a read, on the
// benchmark data: one instance straight to PostgreSQL with in-process rate-limit counts; the
// counts in Redis; the database through PgBouncer (transaction mode); two instances behind it.
// The load is REST's audience list, page 1 (the cheapest read, where a hop shows most), from
// autocannon, its connections split evenly over the instances.
const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    rounds: { type: 'string', default: '2' },
  },
});
const DURATION = Number(values.duration);
const CONNECTIONS = Number(values.connections);
const ROUNDS = Number(values.rounds);
const WARM_UP_SECONDS = 3;
const ROOT = path.join(__dirname, '..');
const PATH = '/api/audience?limit=20';

interface Setup {
  name: string;
  instances: number;
  pooled: boolean;
  redis: boolean;
}

const SETUPS: Setup[] = [
  { name: '1 instance, direct, rate limit in process', instances: 1, pooled: false, redis: false },
  { name: '1 instance, direct, rate limit in Redis', instances: 1, pooled: false, redis: true },
  { name: '1 instance, PgBouncer, rate limit in Redis', instances: 1, pooled: true, redis: true },
  { name: '2 instances, PgBouncer, rate limit in Redis', instances: 2, pooled: true, redis: true },
];

interface Result {
  setup: string;
  round: number;
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
}

async function main(): Promise<void> {
  const database = await benchDatabase();
  const { orm } = await connectOrm({
    url: database.url,
    poolSize: 2,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  const { apiKey } = await issueApiKey(orm.em.getKnex(), BENCH_ORG_ID, BENCH_USER_ID);
  await orm.close();
  const bouncer = await PgBouncer.start(database.url, 20);
  const redis = await RedisServer.start();
  const results: Result[] = [];
  try {
    for (let round = 1; round <= ROUNDS; round += 1) {
      for (const setup of SETUPS) {
        const result = await measure(setup, round, {
          database: database.url,
          bouncer,
          redis,
          apiKey,
        });
        console.log(
          `${setup.name} (round ${round}): ${result.requestsPerSecond} req/s, p50 ${result.p50} ms, p99 ${result.p99} ms, ${result.errors} errors`,
        );
        results.push(result);
      }
    }
  } finally {
    await redis.stop();
    await bouncer.stop();
    await database.stop();
  }
  await writeFile(path.join(ROOT, 'bench', 'results', 'scaling-pg18.md'), report(results));
  await writeFile(
    path.join(ROOT, 'bench', 'results', 'scaling-pg18.json'),
    `${JSON.stringify(results, null, 2)}\n`,
  );
}

async function measure(
  setup: Setup,
  round: number,
  context: { database: string; bouncer: PgBouncer; redis: RedisServer; apiKey: string },
): Promise<Result> {
  const services: ChildProcess[] = [];
  const ports: number[] = [];
  try {
    for (let index = 0; index < setup.instances; index += 1) {
      const port = await freePort();
      ports.push(port);
      services.push(
        await start({
          PORT: String(port),
          LOG_LEVEL: 'warn',
          NODE_ENV: 'production',
          DATABASE_URL: setup.pooled ? context.bouncer.url : context.database,
          MIGRATIONS_DATABASE_URL: context.database,
          LISTEN_DATABASE_URL: context.database,
          DATABASE_TRANSACTION_POOLING: String(setup.pooled),
          STATEMENT_TIMEOUT_MS: setup.pooled ? '0' : '15000',
          // Counted on every request, never reached: the cost of counting, not of refusing.
          RATE_LIMIT_PER_MINUTE: '10000000',
          ...(setup.redis && { REDIS_URL: context.redis.url }),
        }),
      );
    }
    const headers = { 'x-api-key': context.apiKey };
    const drive = (duration: number) =>
      Promise.all(
        ports.map((port) =>
          autocannon({
            url: `http://127.0.0.1:${port}${PATH}`,
            headers,
            connections: Math.round(CONNECTIONS / ports.length),
            duration,
          }),
        ),
      );
    await drive(WARM_UP_SECONDS);
    const runs = await drive(DURATION);
    return {
      setup: setup.name,
      round,
      requestsPerSecond: Math.round(runs.reduce((sum, run) => sum + run.requests.average, 0)),
      p50: Math.max(...runs.map((run) => run.latency.p50)),
      p99: Math.max(...runs.map((run) => run.latency.p99)),
      errors: runs.reduce((sum, run) => sum + run.errors + run.non2xx, 0),
    };
  } finally {
    await Promise.all(
      services.map(
        (service) =>
          new Promise<void>((resolve) => {
            if (service.exitCode !== null) return resolve();
            service.once('exit', () => resolve());
            service.kill('SIGINT');
          }),
      ),
    );
  }
}

function start(env: Record<string, string>): Promise<ChildProcess> {
  const child = spawn('node', [path.join(ROOT, 'dist', 'src', 'main.js')], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/listening on/.test(output)) resolve(child);
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.on('exit', (code) => reject(new Error(`the service exited with ${code}:\n${output}`)));
  });
}

function report(results: Result[]): string {
  const lines = [
    '# Several instances: what each piece costs a read',
    '',
    `${new Date().toISOString()}, ${os.cpus().length} cores, Node ${process.version}; ` +
      `REST \`GET ${PATH}\`, ${CONNECTIONS} connections split over the instances, ` +
      `${DURATION} s after ${WARM_UP_SECONDS} s of warm-up; PostgreSQL, PgBouncer, Redis and the ` +
      'instances share the machine.',
    '',
    '| setup | round | requests/s | p50 ms | p99 ms | errors |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (result) =>
        `| ${result.setup} | ${result.round} | ${result.requestsPerSecond} | ${result.p50} | ${result.p99} | ${result.errors} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
