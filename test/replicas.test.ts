import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { connectOrm } from '../src/database/database';
import { replicaKnexes } from '../src/database/replicas';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';
import { buildApp } from '../src/server/app';
import { TestOrganization } from './support/fixtures';
import { RedisServer } from './support/redis-server';
import { postgresPrograms, ReplicatedPostgres } from './support/replicated-postgres';

// Read replicas on a real streaming replica (pg_basebackup): reads go to the replica, writes to
// the primary, and a client reads its own writes even from a replica that has not replayed them.
const runs = postgresPrograms() ? describe : describe.skip;
if (!postgresPrograms() && process.env.CI) {
  test('PostgreSQL’s programs are installed in CI', () => {
    throw new Error('pg_basebackup is missing: .ci/run must apt-get install postgresql');
  });
}

// Long enough that a loaded machine (the whole suite beside it) reads back within it.
const AFTER_WRITE_MS = 3_000;

runs('with a read replica', () => {
  let cluster: ReplicatedPostgres;
  let orm: MikroORM;
  let redis: RedisServer;
  // Two instances sharing Redis, as two processes behind a load balancer would.
  let apps: FastifyInstance[];
  let urls: string[];
  let url: string;
  const logged: string[] = [];

  beforeAll(async () => {
    cluster = await ReplicatedPostgres.start();
    redis = await RedisServer.start();
    ({ orm } = await connectOrm({
      url: cluster.primaryUrl,
      replicaUrls: [cluster.replicaUrl],
      entities: ENTITIES,
      logic: DATABASE_LOGIC,
      poolSize: 4,
    }));
    apps = await Promise.all(
      [0, 1].map(() =>
        buildApp({
          db: orm.em.getKnex(),
          replicas: replicaKnexes(orm),
          logStream: { write: (line: string) => void logged.push(line) },
          config: {
            logLevel: 'warn',
            nodeEnv: 'test',
            playground: false,
            introspection: true,
            rateLimitPerMinute: 0,
            requestTimeoutMs: 30_000,
            responseTimeoutMs: 30_000,
            replicaAfterWriteMs: AFTER_WRITE_MS,
            redisUrl: redis.url,
          },
        }),
      ),
    );
    urls = await Promise.all(apps.map((app) => app.listen({ port: 0, host: '127.0.0.1' })));
    url = urls[0]!;
  }, 120_000);

  afterAll(async () => {
    await Promise.all(apps?.map((app) => app.close()) ?? []);
    await orm?.close();
    await redis?.stop();
    await cluster?.stop();
  });

  const call = async (apiKey: string, path: string, init: RequestInit = {}, base = url) => {
    const response = await fetch(`${base}${path}`, {
      ...init,
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
    });
    return { status: response.status, body: (await response.json()) as any };
  };
  const graphql = (apiKey: string, query: string) =>
    call(apiKey, '/graphql', { method: 'POST', body: JSON.stringify({ query }) });

  /** Until the replica has replayed everything the primary has written. */
  async function caughtUp(): Promise<void> {
    const primary = orm.em.getKnex();
    const { rows } = await primary.raw<{ rows: { lsn: string }[] }>(
      'select pg_current_wal_lsn()::text as lsn',
    );
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [replayed] = await cluster.onReplica<{ done: boolean }>(
        `select pg_last_wal_replay_lsn() >= '${rows[0]!.lsn}'::pg_lsn as done`,
      );
      if (replayed?.done) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the replica did not catch up');
  }

  test('reads come from the replica, writes go to the primary, and a key sees its own writes', async () => {
    const writer = await TestOrganization.create(orm.em.getKnex(), 'Writer');
    const reader = await TestOrganization.create(orm.em.getKnex(), 'Reader');
    await caughtUp();
    // Keys are looked up on the primary, so both work at once.
    expect((await call(reader.apiKey, '/api/audience')).status).toBe(200);

    await cluster.onReplica('select pg_wal_replay_pause()');
    try {
      // A write through the service: on the primary (the replica is read-only and paused).
      const created = await call(writer.apiKey, '/api/audience', {
        method: 'POST',
        body: JSON.stringify({ name: 'Fresh' }),
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      // The writer reads it back at once, though the replica has not replayed it: from the
      // instance it wrote through, and from the other one, which learnt of the write in Redis.
      expect((await call(writer.apiKey, `/api/audience/${id}`)).status).toBe(200);
      expect((await call(writer.apiKey, `/api/audience/${id}`, {}, urls[1])).status).toBe(200);
      const mutation = await graphql(
        writer.apiKey,
        `
          mutation {
            createAudience(input: { name: "Fresher" }) {
              id
            }
          }
        `,
      );
      const fresher = mutation.body.data.createAudience.id as string;
      const listed = await graphql(writer.apiKey, `{ audience(id: "${fresher}") { name } }`);
      expect(listed.body.data.audience).toEqual({ name: 'Fresher' });

      // A write made around the service (psql, say) is not the reader's own: its reads stay on
      // the replica, which shows the list as it stood.
      await orm.em
        .getKnex()
        .raw(`insert into audience (organization_id, name) values (?, 'Behind the service')`, [
          reader.organizationId,
        ]);
      const readerList = await call(reader.apiKey, '/api/audience');
      expect(readerList.status).toBe(200);
      expect(readerList.body.meta.total).toBe(0);

      // Past the window, the writer's reads go back to the replica: still paused, it has neither.
      await new Promise((resolve) => setTimeout(resolve, AFTER_WRITE_MS + 200));
      expect((await call(writer.apiKey, `/api/audience/${id}`)).status).toBe(404);
    } finally {
      await cluster.onReplica('select pg_wal_replay_resume()');
    }
    await caughtUp();
    expect((await call(reader.apiKey, '/api/audience')).body.meta.total).toBe(1);
    expect((await call(writer.apiKey, '/api/audience')).body.meta.total).toBe(2);
  }, 60_000);

  // Last: the replica stays down.
  test('a replica that stops answering is left out within seconds, and reads go on from the primary', async () => {
    const org = await TestOrganization.create(orm.em.getKnex(), 'After the replica');
    await caughtUp();
    expect((await call(org.apiKey, '/api/audience')).status).toBe(200);
    await cluster.stopReplica();
    // Reads already on their way to it fail, as any database outage does (503, never a 500);
    // within the probe's second or two, each instance sends its reads to the primary.
    const failures: number[] = [];
    const started = Date.now();
    for (const base of urls) {
      for (;;) {
        const { status } = await call(org.apiKey, '/api/audience', {}, base);
        if (status === 200) break;
        failures.push(status);
        expect(Date.now() - started).toBeLessThan(5_000);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(new Set(failures)).toEqual(new Set(failures.length > 0 ? [503] : []));
    for (let read = 0; read < 20; read += 1) {
      expect((await call(org.apiKey, '/api/audience', {}, urls[read % 2])).status).toBe(200);
    }
    // Each instance said so once.
    expect(logged.filter((line) => line.includes('read replica does not answer'))).toHaveLength(2);
  }, 30_000);
});
