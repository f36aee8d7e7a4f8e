import { TestOrganization } from './support/fixtures';
import { PgBouncer } from './support/pgbouncer';
import { freePort, installed, runCli, ServiceProcess } from './support/processes';
import { RedisServer } from './support/redis-server';
import { TestServer } from './support/test-server';

// Several instances as one: three service processes on one database through PgBouncer in
// transaction pooling mode, sharing Redis, and a client spreading its requests over them, as a
// load balancer would.
const TOOLS = installed('pgbouncer') && installed('redis-server');
const runs = TOOLS ? describe : describe.skip;

if (!TOOLS && process.env.CI) {
  test('PgBouncer and Redis are installed in CI', () => {
    throw new Error('pgbouncer or redis-server is missing: .ci/run must apt-get install them');
  });
}

const RATE_PER_MINUTE = 60;

class Instance {
  process!: ServiceProcess;
  constructor(
    readonly port: number,
    private readonly env: Record<string, string | undefined>,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    this.process = new ServiceProcess({ ...this.env, PORT: String(this.port) });
    await this.process.waitFor(/is listening on/, 120_000);
  }
}

runs('three instances through PgBouncer, with Redis', () => {
  let server: TestServer;
  let bouncer: PgBouncer;
  let redis: RedisServer;
  let instances: Instance[];
  // Set up as a hurried operator would: LISTEN_DATABASE_URL left out, so that its LISTEN goes
  // through the transaction pooler with everything else.
  let careless: Instance;
  let environment: Record<string, string>;

  beforeAll(async () => {
    // Migrates the test database directly, as a deployment's first start would.
    server = await TestServer.start();
    const direct = process.env.TEST_DATABASE_URL!;
    bouncer = await PgBouncer.start(direct);
    redis = await RedisServer.start();
    environment = {
      DATABASE_URL: bouncer.url,
      DATABASE_TRANSACTION_POOLING: 'true',
      MIGRATIONS_DATABASE_URL: direct,
      LISTEN_DATABASE_URL: direct,
      REDIS_URL: redis.url,
      RATE_LIMIT_PER_MINUTE: String(RATE_PER_MINUTE),
      // Through the pooler the timeout is the role's; the test's role has none.
      STATEMENT_TIMEOUT_MS: '0',
      LOG_LEVEL: 'warn',
    };
    instances = await Promise.all(
      [0, 1, 2].map(async () => new Instance(await freePort(), environment)),
    );
    // One after another: three starts at once load a 2-core machine enough to delay the other
    // test files' timers.
    for (const instance of instances) await instance.start();
    careless = new Instance(await freePort(), { ...environment, LISTEN_DATABASE_URL: undefined });
    await careless.start();
  }, 240_000);

  afterAll(async () => {
    await Promise.all(
      [...(instances ?? []), careless].map((instance) => instance?.process?.stop()),
    );
    await redis?.stop();
    await bouncer?.stop();
    await server?.close();
  });

  const get = (instance: Instance, path: string, apiKey: string) =>
    fetch(`${instance.url}${path}`, { headers: { 'x-api-key': apiKey } });

  test('the rate limit is one count across the instances', async () => {
    const org = await TestOrganization.create(server.db, 'Rate limited');
    const statuses: number[] = [];
    // One and a half times the limit, spread evenly: each instance alone would allow them all.
    for (let index = 0; index < RATE_PER_MINUTE * 1.5; index += 1) {
      const response = await get(instances[index % 3]!, '/api/audience?limit=1', org.apiKey);
      await response.text();
      statuses.push(response.status);
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(RATE_PER_MINUTE);
    expect(statuses.filter((status) => status === 429)).toHaveLength(RATE_PER_MINUTE / 2);
    expect(statuses.slice(0, RATE_PER_MINUTE).every((status) => status === 200)).toBe(true);
  });

  test('a key revoked with the CLI, through PgBouncer, stops working on every instance within a second', async () => {
    const org = await TestOrganization.create(server.db, 'Revoked');
    // Every instance has the key cached: a read costs it no look-up.
    for (const instance of instances) {
      for (let time = 0; time < 2; time += 1) {
        expect((await get(instance, '/api/audience?limit=1', org.apiKey)).status).toBe(200);
      }
    }
    // The CLI migrates (directly) and revokes (through the pooler), as an operator would run it.
    const revoked = await runCli(['apikey', 'revoke', org.apiKeyId], environment);
    expect(revoked.stderr).toBe('');
    expect(revoked.code).toBe(0);
    const exitedAt = Date.now();
    const refusedAfter = await Promise.all(
      instances.map(async (instance) => {
        while (Date.now() - exitedAt < 5_000) {
          const response = await get(instance, '/api/audience?limit=1', org.apiKey);
          await response.text();
          if (response.status === 401) return Date.now() - exitedAt;
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
        return Number.POSITIVE_INFINITY;
      }),
    );
    console.log(
      `revoked key refused by the instances ${refusedAfter.join(', ')} ms after the CLI exited`,
    );
    for (const elapsed of refusedAfter) expect(elapsed).toBeLessThan(1_000);
  }, 60_000);

  test('with LISTEN_DATABASE_URL left out, the cache stops itself: a revoked key fails at once, and the log says once what to set', async () => {
    const org = await TestOrganization.create(server.db, 'Careless');
    for (let time = 0; time < 3; time += 1) {
      expect((await get(careless, '/api/audience?limit=1', org.apiKey)).status).toBe(200);
    }
    const revoked = await runCli(['apikey', 'revoke', org.apiKeyId], environment);
    expect(revoked.code).toBe(0);
    const exitedAt = Date.now();
    let status = 200;
    while (status !== 401 && Date.now() - exitedAt < 2_000) {
      const response = await get(careless, '/api/audience?limit=1', org.apiKey);
      await response.text();
      status = response.status;
      // Within the rate limit (60 a minute).
      if (status !== 401) await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(status).toBe(401);
    // One warning, within seconds of the start, naming the variable.
    await careless.process.waitFor(/LISTEN_DATABASE_URL/, 15_000);
    const warnings = careless.process.output
      .split('\n')
      .filter((line) => line.includes('LISTEN_DATABASE_URL'));
    expect(warnings).toHaveLength(1);
    expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40 });
    // The instances set up right say nothing of the kind.
    for (const instance of instances) {
      expect(instance.process.output).not.toContain('LISTEN_DATABASE_URL');
    }
  }, 60_000);

  test('the CLI migrates through PgBouncer too, run after run: the migration lock never outlives it', async () => {
    const throughPooler = { ...environment, MIGRATIONS_DATABASE_URL: undefined };
    for (const name of ['First through the pooler', 'Second through the pooler']) {
      const created = await runCli(['org', 'create', '--name', name], throughPooler);
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      expect(JSON.parse(created.stdout)).toMatchObject({ apiKey: expect.any(String) });
    }
  }, 60_000);

  test('every instance serves the same answers', async () => {
    const org = await TestOrganization.create(server.db, 'Same answers');
    const audience = await org.audience('Shared', { members: 7 });
    const bodies = await Promise.all(
      instances.map(async (instance) => {
        const one = await (await get(instance, `/api/audience/${audience.id}`, org.apiKey)).text();
        const members = await (
          await get(instance, `/api/audience/${audience.id}/contacts?limit=5`, org.apiKey)
        ).text();
        const graphql = await (
          await fetch(`${instance.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
            body: JSON.stringify({
              query: `{ audience(id: "${audience.id}") { name contactCount contacts(limit: 3) { data { id } } } }`,
            }),
          })
        ).text();
        return { one, members, graphql };
      }),
    );
    expect(JSON.parse(bodies[0]!.graphql).data.audience.contactCount).toBe(7);
    expect(bodies[1]).toEqual(bodies[0]);
    expect(bodies[2]).toEqual(bodies[0]);
  });

  test('an instance killed under load loses no acknowledged write; the others keep answering, and it comes back', async () => {
    const WRITERS = 6;
    const writers = await Promise.all(
      Array.from({ length: WRITERS }, (_, index) =>
        TestOrganization.create(server.db, `Writer ${index}`),
      ),
    );
    const acknowledged: string[] = [];
    const survivorsFailures: string[] = [];
    let killed = false;
    let writing = true;
    const load = writers.map(async (org, writer) => {
      // Within the rate limit: each writer sends fewer than RATE_PER_MINUTE writes.
      for (let index = 0; writing && index < RATE_PER_MINUTE - 5; index += 1) {
        const target = (index + writer) % 3;
        try {
          const response = await fetch(`${instances[target]!.url}/api/audience`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'x-api-key': org.apiKey },
            body: JSON.stringify({ name: `Write ${writer}-${index}` }),
          });
          const body = (await response.json()) as { id?: string };
          if (response.status === 201) acknowledged.push(body.id!);
          else if (target !== 0) survivorsFailures.push(`${target}: ${response.status}`);
        } catch (error) {
          // A connection to the killed instance fails; one to a survivor never may.
          if (target !== 0 || !killed) survivorsFailures.push(`${target}: ${String(error)}`);
        }
      }
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    killed = true;
    await instances[0]!.process.stop('SIGKILL');
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    writing = false;
    await Promise.all(load);

    expect(survivorsFailures).toEqual([]);
    expect(acknowledged.length).toBeGreaterThan(WRITERS * 3);
    const { rows } = await server.db.raw<{ rows: { found: number }[] }>(
      'select count(*)::int as found from audience where id = any(?::uuid[])',
      [acknowledged],
    );
    expect(rows[0]!.found).toBe(acknowledged.length);

    // Started again on its port, it answers as the others do.
    await instances[0]!.start();
    const org = writers[0]!;
    const answers = await Promise.all(
      instances.map(async (instance) => {
        const response = await get(instance, '/api/audience?limit=100&sortBy=name', org.apiKey);
        expect(response.status).toBe(200);
        return response.json();
      }),
    );
    expect(answers[0]).toEqual(answers[1]);
    expect(answers[0]).toEqual(answers[2]);
  }, 180_000);
});
