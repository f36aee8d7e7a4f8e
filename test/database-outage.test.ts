import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectOrm } from '../src/database/database';
import { TestOrganization } from './support/fixtures';
import { longOr } from './support/load';
import { freePort, ServiceProcess } from './support/processes';

// How long each phase of the load lasts, and how many clients make it.
const HEALTHY_MS = longOr(1500, 20_000);
const OUTAGE_MS = longOr(3000, 30_000);
const AFTER_MS = longOr(1500, 20_000);
const WORKERS = longOr(8, 32);
// A request refused for want of a database must answer within this (it waits on no timeout).
const FAIL_FAST_MS = 1000;
// The service must serve again within this of the database accepting connections.
const RECOVERY_MS = 10_000;

interface Outcome {
  started: number;
  ended: number;
  kind: 'create' | 'graphql' | 'list';
  status: number;
  /** The GraphQL error code, when there was one. */
  code?: string;
  createdId?: string;
}

const postgresEntry = (dataDir: string, port: number) => [
  path.join(__dirname, 'support', 'postgres-server.ts'),
  dataDir,
  String(port),
];

async function startPostgres(dataDir: string, port: number): Promise<ServiceProcess> {
  const server = new ServiceProcess({}, postgresEntry(dataDir, port));
  await server.waitFor(/^ready /m, 120_000);
  return server;
}

test(
  'PostgreSQL stopped under load: 503s that come fast, a live process, not ready, recovery by itself, no acknowledged write lost',
  async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-outage-'));
    const pgPort = await freePort();
    let postgres = await startPostgres(dataDir, pgPort);
    const url = postgres.output.match(/^ready (\S+)/m)![1]!;

    const { orm } = await connectOrm(url, 2);
    const org = await TestOrganization.create(orm.em.getKnex());
    await orm.close();

    const port = await freePort();
    const service = new ServiceProcess({
      DATABASE_URL: url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    const base = `http://127.0.0.1:${port}`;
    const headers = { 'content-type': 'application/json', 'x-api-key': org.apiKey };
    const outcomes: Outcome[] = [];
    let running = true;

    const once = async (worker: number, iteration: number): Promise<void> => {
      const kind = (['create', 'graphql', 'list'] as const)[iteration % 3]!;
      const started = Date.now();
      let status: number;
      let code: string | undefined;
      let createdId: string | undefined;
      if (kind === 'create') {
        const response = await fetch(`${base}/api/audience`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: `Worker ${worker} write ${iteration}` }),
        });
        status = response.status;
        const body = (await response.json()) as { id?: string };
        if (status === 201) createdId = body.id;
      } else if (kind === 'graphql') {
        const response = await fetch(`${base}/graphql`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            query: '{ audiences(limit: 5) { data { id contactCount } meta { total } } }',
          }),
        });
        status = response.status;
        const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
        code = body.errors?.[0]?.extensions.code;
      } else {
        const response = await fetch(`${base}/api/audience?limit=5`, { headers });
        status = response.status;
        await response.text();
      }
      outcomes.push({ started, ended: Date.now(), kind, status, code, createdId });
    };
    const worker = async (index: number) => {
      for (let iteration = 0; running; iteration += 1) {
        await once(index, iteration);
        // A breath between requests, so that eight workers make a steady load, not a flood.
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    };
    const probe = async (pathname: string) => (await fetch(`${base}${pathname}`)).status;

    try {
      await service.waitFor(/is listening on/);
      const load = Promise.all(Array.from({ length: WORKERS }, (_, index) => worker(index)));
      await new Promise((resolve) => setTimeout(resolve, HEALTHY_MS));

      const stopping = Date.now();
      await postgres.stop('SIGTERM');
      const down = Date.now();
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));
      expect(await probe('/readyz')).toBe(503);
      expect(await probe('/healthz')).toBe(200);
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS / 2));

      const restarting = Date.now();
      postgres = await startPostgres(dataDir, pgPort);
      const up = Date.now();
      let recovered: number | undefined;
      while (recovered === undefined && Date.now() - up < RECOVERY_MS) {
        if ((await probe('/readyz')) === 200) recovered = Date.now();
        else await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await new Promise((resolve) => setTimeout(resolve, AFTER_MS));
      running = false;
      await load;

      const healthy = outcomes.filter((o) => o.ended < stopping);
      const outage = outcomes.filter((o) => o.started > down && o.ended < restarting);
      const after = outcomes.filter((o) => recovered !== undefined && o.started > recovered);
      const failed = (o: Outcome) => o.status === 503 || o.code === 'SERVICE_UNAVAILABLE';
      const succeeded = (o: Outcome) => (o.status === 200 || o.status === 201) && !o.code;
      const latencies = outage.map((o) => o.ended - o.started).sort((a, b) => a - b);
      console.log(
        `outage load: ${outcomes.length} requests; healthy ${healthy.length}, during the outage ` +
          `${outage.length} (p50 ${latencies[Math.floor(latencies.length / 2)]} ms, max ` +
          `${latencies.at(-1)} ms), after recovery ${after.length}; PostgreSQL took ` +
          `${down - stopping} ms to stop and ${up - restarting} ms to start; ready again ` +
          `${recovered! - up} ms after it accepted connections`,
      );

      expect(service.alive).toBe(true);
      expect(recovered).toBeDefined();
      expect(healthy.length).toBeGreaterThan(0);
      expect(healthy.every(succeeded)).toBe(true);
      expect(outage.length).toBeGreaterThan(WORKERS);
      expect(outage.filter((o) => !failed(o))).toEqual([]);
      expect(latencies.at(-1)).toBeLessThan(FAIL_FAST_MS);
      expect(after.length).toBeGreaterThan(0);
      expect(after.filter((o) => !succeeded(o))).toEqual([]);
      // Whatever straddled a transition either worked or said 503: never a 500, never a hang-up.
      expect(outcomes.filter((o) => !succeeded(o) && !failed(o))).toEqual([]);

      // Every create that was acknowledged (201) is in the database.
      const acknowledged = outcomes.flatMap((o) => (o.createdId ? [o.createdId] : []));
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const stored = await client.query<{ id: string }>(
        'select id from audience where id = any($1::uuid[])',
        [acknowledged],
      );
      await client.end();
      expect(stored.rows.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
      expect(acknowledged.length).toBeGreaterThan(0);

      expect(await service.stop('SIGTERM')).toBe(0);
      expect(service.output).not.toMatch(/"level":(50|60)/);
    } finally {
      running = false;
      await service.stop('SIGKILL').catch(() => undefined);
      await postgres.stop('SIGTERM').catch(() => undefined);
      await rm(dataDir, { recursive: true, force: true });
    }
  },
  longOr(180_000, 600_000),
);
