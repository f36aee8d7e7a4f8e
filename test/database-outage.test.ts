import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { connectOrm } from '../src/database/database';
import { TestOrganization } from './support/fixtures';
import { longOr } from './support/load';
import { freePort, ServiceProcess } from './support/processes';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

// How long each phase of the load lasts, and how many clients make it.
const HEALTHY_MS = longOr(1500, 20_000);
const OUTAGE_MS = longOr(3000, 30_000);
const AFTER_MS = longOr(1500, 20_000);
const WORKERS = longOr(8, 32);
// A request refused for want of a database must answer within this (it waits on no timeout).
const FAIL_FAST_MS = 1000;
// The service's RESPONSE_TIMEOUT_MS in the frozen-database test, and the slack allowed over it.
const RESPONSE_TIMEOUT_MS = 1000;
const TIMEOUT_SLACK_MS = 1000;
// The service must serve again within this of the database answering again.
const RECOVERY_MS = 10_000;

interface Outcome {
  started: number;
  ended: number;
  status: number;
  /** The GraphQL error code, when there was one. */
  code?: string;
  createdId?: string;
}

const failed = (o: Outcome) => o.status === 503 || o.code === 'SERVICE_UNAVAILABLE';
const succeeded = (o: Outcome) => (o.status === 200 || o.status === 201) && !o.code;
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An embedded PostgreSQL in a process of its own (test/support/postgres-server.ts). */
async function startPostgres(dataDir: string, port: number): Promise<ServiceProcess> {
  const server = new ServiceProcess({}, [
    path.join(__dirname, 'support', 'postgres-server.ts'),
    dataDir,
    String(port),
  ]);
  await server.waitFor(/^ready /m, 120_000);
  return server;
}

/** A PostgreSQL of its own and the service on it, under a steady load of creates and reads. */
class Scenario {
  readonly outcomes: Outcome[] = [];
  private running = true;
  private load: Promise<unknown> = Promise.resolve();

  private constructor(
    readonly dataDir: string,
    readonly pgPort: number,
    public postgres: ServiceProcess,
    readonly url: string,
    readonly service: ServiceProcess,
    readonly base: string,
    private readonly apiKey: string,
  ) {}

  static async start(env: Record<string, string> = {}): Promise<Scenario> {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-outage-'));
    const pgPort = await freePort();
    const postgres = await startPostgres(dataDir, pgPort);
    const url = postgres.output.match(/^ready (\S+)/m)![1]!;
    const { orm } = await connectOrm({
      url,
      poolSize: 2,
      entities: ENTITIES,
      logic: DATABASE_LOGIC,
    });
    const org = await TestOrganization.create(orm.em.getKnex());
    await orm.close();
    const port = await freePort();
    const service = new ServiceProcess({
      DATABASE_URL: url,
      PORT: String(port),
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
      ...env,
    });
    const scenario = new Scenario(
      dataDir,
      pgPort,
      postgres,
      url,
      service,
      `http://127.0.0.1:${port}`,
      org.apiKey,
    );
    await service.waitFor(/is listening on/);
    scenario.load = Promise.all(
      Array.from({ length: WORKERS }, (_, index) => scenario.worker(index)),
    );
    return scenario;
  }

  /** One client: creates, GraphQL reads and REST reads in turn, with a breath between. */
  private async worker(index: number): Promise<void> {
    const headers = { 'content-type': 'application/json', 'x-api-key': this.apiKey };
    for (let iteration = 0; this.running; iteration += 1) {
      const started = Date.now();
      const outcome: Omit<Outcome, 'ended'> = { started, status: 0 };
      if (iteration % 3 === 0) {
        const response = await fetch(`${this.base}/api/audience`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ name: `Worker ${index} write ${iteration}` }),
        });
        outcome.status = response.status;
        const body = (await response.json()) as { id?: string };
        if (response.status === 201) outcome.createdId = body.id;
      } else if (iteration % 3 === 1) {
        const response = await fetch(`${this.base}/graphql`, {
          method: 'POST',
          headers,
          body: JSON.stringify({
            query: '{ audiences(limit: 5) { data { id contactCount } meta { total } } }',
          }),
        });
        outcome.status = response.status;
        const body = (await response.json()) as { errors?: { extensions: { code: string } }[] };
        outcome.code = body.errors?.[0]?.extensions.code;
      } else {
        const response = await fetch(`${this.base}/api/audience?limit=5`, { headers });
        outcome.status = response.status;
        await response.text();
      }
      this.outcomes.push({ ...outcome, ended: Date.now() });
      await pause(5);
    }
  }

  async probe(pathname: string): Promise<number> {
    return (await fetch(`${this.base}${pathname}`)).status;
  }

  /** Polls /readyz until it says ready; the time it did, or undefined after RECOVERY_MS. */
  async waitUntilReady(): Promise<number | undefined> {
    const since = Date.now();
    while (Date.now() - since < RECOVERY_MS) {
      if ((await this.probe('/readyz')) === 200) return Date.now();
      await pause(100);
    }
    return undefined;
  }

  async stopLoad(): Promise<void> {
    this.running = false;
    await this.load;
  }

  /**
   * What must hold around any outage: everything before it worked; everything during it was
   * refused with 503 / SERVICE_UNAVAILABLE within `maxFaultMs`; everything after recovery worked;
   * what straddled a transition did one or the other (never a 500, never a hang-up); every
   * acknowledged write is kept; and the process, still up, stops cleanly.
   */
  async expectHeld(
    phases: { healthy: Outcome[]; fault: Outcome[]; after: Outcome[] },
    maxFaultMs: number,
  ): Promise<void> {
    expect(phases.healthy.length).toBeGreaterThan(0);
    expect(phases.healthy.filter((o) => !succeeded(o))).toEqual([]);
    expect(phases.fault.filter((o) => !failed(o))).toEqual([]);
    expect(Math.max(...phases.fault.map((o) => o.ended - o.started))).toBeLessThan(maxFaultMs);
    expect(phases.after.length).toBeGreaterThan(0);
    expect(phases.after.filter((o) => !succeeded(o))).toEqual([]);
    expect(this.outcomes.filter((o) => !succeeded(o) && !failed(o))).toEqual([]);
    await this.expectAcknowledgedWritesKept();
    await this.expectCleanStop();
  }

  /** Asserts that every create acknowledged with 201 is in the database. */
  private async expectAcknowledgedWritesKept(): Promise<void> {
    const acknowledged = this.outcomes.flatMap((o) => (o.createdId ? [o.createdId] : []));
    expect(acknowledged.length).toBeGreaterThan(0);
    const client = new pg.Client({ connectionString: this.url });
    await client.connect();
    try {
      const stored = await client.query<{ id: string }>(
        'select id from audience where id = any($1::uuid[])',
        [acknowledged],
      );
      expect(stored.rows.map((row) => row.id).sort()).toEqual([...acknowledged].sort());
    } finally {
      await client.end();
    }
  }

  /** Stops the service as an operator would; it must exit 0 having logged no error. */
  private async expectCleanStop(): Promise<void> {
    expect(this.service.alive).toBe(true);
    expect(await this.service.stop('SIGTERM')).toBe(0);
    expect(this.service.output).not.toMatch(/"level":(50|60)/);
    expect(this.service.output).not.toContain('Reply was already sent');
    // Warnings repeated by every refused request come at most every five seconds.
    const warnings = this.service.output.split('\n').filter((line) => line.includes('"level":40'));
    expect(warnings.length).toBeLessThanOrEqual(2 * (Math.ceil(OUTAGE_MS / 5000) + 1));
  }

  async cleanUp(): Promise<void> {
    this.running = false;
    await this.service.stop('SIGKILL').catch(() => undefined);
    await this.postgres.stop('SIGTERM').catch(() => undefined);
    await rm(this.dataDir, { recursive: true, force: true });
  }
}

/** The PostgreSQL server's processes: the postmaster of its data directory and its children. */
function postgresProcesses(dataDir: string): number[] {
  const postmaster = Number(
    readFileSync(path.join(dataDir, 'pg', 'postmaster.pid'), 'utf8').split('\n')[0],
  );
  const children = execFileSync('ps', ['-o', 'pid=', '--ppid', String(postmaster)], {
    encoding: 'utf8',
  })
    .split('\n')
    .map((line) => Number(line.trim()))
    .filter((pid) => pid > 0);
  return [postmaster, ...children];
}

function latencies(outcomes: Outcome[]): string {
  const sorted = outcomes.map((o) => o.ended - o.started).sort((a, b) => a - b);
  return `p50 ${sorted[Math.floor(sorted.length / 2)]} ms, max ${sorted.at(-1)} ms`;
}

test(
  'PostgreSQL stopped under load: 503s that come fast, a live process, not ready, recovery by itself, no acknowledged write lost',
  async () => {
    const scenario = await Scenario.start();
    try {
      await pause(HEALTHY_MS);
      const stopping = Date.now();
      await scenario.postgres.stop('SIGTERM');
      const down = Date.now();
      await pause(OUTAGE_MS / 2);
      expect(await scenario.probe('/readyz')).toBe(503);
      expect(await scenario.probe('/healthz')).toBe(200);
      await pause(OUTAGE_MS / 2);

      const restarting = Date.now();
      scenario.postgres = await startPostgres(scenario.dataDir, scenario.pgPort);
      const up = Date.now();
      const recovered = await scenario.waitUntilReady();
      await pause(AFTER_MS);
      await scenario.stopLoad();

      const { outcomes } = scenario;
      const healthy = outcomes.filter((o) => o.ended < stopping);
      const outage = outcomes.filter((o) => o.started > down && o.ended < restarting);
      const after = outcomes.filter((o) => recovered !== undefined && o.started > recovered);
      console.log(
        `outage load: ${outcomes.length} requests from ${WORKERS} clients; healthy ` +
          `${healthy.length}, during the ${OUTAGE_MS} ms outage ${outage.length} ` +
          `(${latencies(outage)}), after recovery ${after.length}; PostgreSQL took ` +
          `${down - stopping} ms to stop and ${up - restarting} ms to start; ready again ` +
          `${recovered! - up} ms after it accepted connections`,
      );

      expect(recovered).toBeDefined();
      expect(outage.length).toBeGreaterThan(WORKERS);
      await scenario.expectHeld({ healthy, fault: outage, after }, FAIL_FAST_MS);
    } finally {
      await scenario.cleanUp();
    }
  },
  longOr(180_000, 600_000),
);

test(
  'PostgreSQL frozen under load (it hangs instead of refusing): 503 within RESPONSE_TIMEOUT_MS, not ready, recovery when it thaws',
  async () => {
    const scenario = await Scenario.start({ RESPONSE_TIMEOUT_MS: String(RESPONSE_TIMEOUT_MS) });
    try {
      await pause(HEALTHY_MS);
      const processes = postgresProcesses(scenario.dataDir);
      const freezing = Date.now();
      for (const pid of processes) process.kill(pid, 'SIGSTOP');
      let thawed = Number.POSITIVE_INFINITY;
      try {
        await pause(OUTAGE_MS / 2);
        expect(await scenario.probe('/readyz')).toBe(503);
        expect(await scenario.probe('/healthz')).toBe(200);
        await pause(OUTAGE_MS / 2);
      } finally {
        thawed = Date.now();
        for (const pid of processes) process.kill(pid, 'SIGCONT');
      }
      const recovered = await scenario.waitUntilReady();
      await pause(AFTER_MS);
      await scenario.stopLoad();

      const { outcomes } = scenario;
      const healthy = outcomes.filter((o) => o.ended < freezing);
      const frozen = outcomes.filter((o) => o.started > freezing && o.ended < thawed);
      const after = outcomes.filter((o) => recovered !== undefined && o.started > recovered);
      console.log(
        `frozen database: ${outcomes.length} requests from ${WORKERS} clients; healthy ` +
          `${healthy.length}, answered during the ${OUTAGE_MS} ms freeze ${frozen.length} ` +
          `(${latencies(frozen)}), after recovery ${after.length}; ready again ` +
          `${recovered! - thawed} ms after the thaw`,
      );

      expect(recovered).toBeDefined();
      // Every client got its answer during the freeze, a 503, none later than the timeout allows.
      expect(frozen.length).toBeGreaterThanOrEqual(WORKERS);
      await scenario.expectHeld(
        { healthy, fault: frozen, after },
        RESPONSE_TIMEOUT_MS + TIMEOUT_SLACK_MS,
      );
    } finally {
      await scenario.cleanUp();
    }
  },
  longOr(180_000, 600_000),
);
