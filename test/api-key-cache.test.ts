import pg from 'pg';
import {
  ApiKeyCache,
  HEARTBEAT_NAME,
  LISTENER_NAME,
  type NotHearing,
} from '../src/organization/api-key-cache';
import { createDatabase, dropDatabase } from './support/databases';
import { hashApiKey } from '../src/organization/api-key.service';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// Each TestServer is an instance of its own (its pool, its key cache, its listening connection):
// two of them on one database stand for two processes behind a load balancer.
let first: TestServer;
let second: TestServer;
// Another process's connection: what the CLI or psql would use to revoke a key.
let elsewhere: pg.Client;
beforeAll(async () => {
  [first, second] = await Promise.all([TestServer.start(), TestServer.start()]);
  elsewhere = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await elsewhere.connect();
});
afterAll(async () => {
  await elsewhere.end();
  await Promise.all([first.close(), second.close()]);
});

const READ = '{ audiences(limit: 1) { meta { total } } }';

async function status(server: TestServer, apiKey: string): Promise<number> {
  return (await server.graphql(READ, {}, apiKey)).status;
}

/** Milliseconds until `server` refuses `apiKey`, asking every 10 ms for at most `within` ms. */
async function msUntilRefused(server: TestServer, apiKey: string, within = 5_000) {
  const started = performance.now();
  while (performance.now() - started < within) {
    if ((await status(server, apiKey)) === 401) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  return Number.POSITIVE_INFINITY;
}

test('a known key costs no statement: a read is one statement', async () => {
  const org = await TestOrganization.create(first.db);
  expect(await status(first, org.apiKey)).toBe(200);
  // The cache is trusted only while it heard a heartbeat sent within the last second; on a machine
  // loaded enough to delay one, a read looks the key up again (by design). So a few tries:
  // one must cost the read alone, and any other only the key's look-up besides.
  let reads = await untilNoLookUp(() => first.graphql(READ, {}, org.apiKey));
  const read = reads.at(-1)!;
  expect(read).toHaveLength(1);
  expect(read[0]).not.toMatch(/api_key/);
  reads = reads.slice(0, -1);
  for (const sql of reads)
    expect(sql.filter((statement) => !/api_key/.test(statement))).toHaveLength(1);
});

test('a key revoked by another process stops working on every instance within a second', async () => {
  const org = await TestOrganization.create(first.db);
  // Both instances have it cached.
  for (const server of [first, second]) {
    expect(await status(server, org.apiKey)).toBe(200);
    expect(await status(server, org.apiKey)).toBe(200);
  }
  await elsewhere.query('update api_key set revoked_at = now() where id = $1', [org.apiKeyId]);
  const [onFirst, onSecond] = await Promise.all([
    msUntilRefused(first, org.apiKey),
    msUntilRefused(second, org.apiKey),
  ]);
  expect(onFirst).toBeLessThan(1000);
  expect(onSecond).toBeLessThan(1000);
  // And it stays refused.
  expect(await status(first, org.apiKey)).toBe(401);
  expect(await status(second, org.apiKey)).toBe(401);
});

test('a key deleted with its user stops working everywhere too', async () => {
  const org = await TestOrganization.create(first.db);
  const member = await org.member('Leaving');
  expect(await status(first, member.apiKey)).toBe(200);
  expect(await status(second, member.apiKey)).toBe(200);
  await elsewhere.query('delete from app_user where id = $1', [member.userId]);
  expect(await msUntilRefused(first, member.apiKey)).toBeLessThan(1000);
  expect(await msUntilRefused(second, member.apiKey)).toBeLessThan(1000);
  expect(await status(first, org.apiKey)).toBe(200);
});

test('an unknown key is looked up once, and works as soon as it is issued', async () => {
  const org = await TestOrganization.create(first.db);
  const invented = `agk_${'Q'.repeat(43)}${Date.now().toString(36)}`.slice(0, 47);
  expect(await status(first, invented)).toBe(401);
  // As for a known key: a late heartbeat on a loaded machine may cost a look-up again, by design.
  const rounds = await untilNoLookUp(async () => {
    for (let call = 0; call < 5; call += 1) expect(await status(first, invented)).toBe(401);
  });
  expect(rounds.at(-1)).toEqual([]);
  for (const sql of rounds)
    expect(sql.filter((statement) => !/api_key/.test(statement))).toEqual([]);
  // Issued by another process with exactly that key: the remembered miss is forgotten.
  await elsewhere.query(
    'insert into api_key (organization_id, user_id, key_hash) values ($1, $2, $3)',
    [org.organizationId, org.userId, hashApiKey(invented)],
  );
  const started = performance.now();
  while ((await status(first, invented)) !== 200) {
    expect(performance.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
});

test('a flood of invented keys is looked up a few at a time, each once, and leaves the pool to others', async () => {
  const org = await TestOrganization.create(first.db);
  expect(await status(first, org.apiKey)).toBe(200);
  const knownHash = hashApiKey(org.apiKey);
  // The cache is trusted only while it heard a heartbeat sent within the last second. On a machine
  // loaded enough to delay one, the known key is looked up again (by design), and that look-up
  // queues behind the flood's or waits on the lock below like them: such an attempt proves
  // nothing either way and is made again. Any other wait fails. Whether the cache stopped
  // trusting itself is read from the cache's own answers (a spy that calls through; only the
  // first instance gets requests meanwhile).
  const trust = jest.spyOn(ApiKeyCache.prototype, 'isTrusted', 'get');
  try {
    for (let attempt = 1; ; attempt += 1) {
      const outcome = await floodAttempt(org.apiKey, knownHash, attempt, () => {
        const untrusted = trust.mock.results.some((result) => result.value === false);
        trust.mockClear();
        return untrusted;
      });
      if (outcome === 'answered') return;
      if (attempt === 3)
        throw new Error('the key cache stopped trusting itself in 3 attempts out of 3');
    }
  } finally {
    trust.mockRestore();
  }
}, 120_000);

async function floodAttempt(
  knownKey: string,
  knownHash: string,
  attempt: number,
  wasUntrusted: () => boolean,
): Promise<'answered' | 'cache untrusted'> {
  wasUntrusted();
  // Other keys on each attempt: every one is a first miss.
  const keys = Array.from(
    { length: 200 },
    (_, index) => `agk_flood${attempt}${String(index).padStart(4, '0')}${'x'.repeat(33)}`,
  );
  let running = 0;
  let most = 0;
  let knownLookedUp = false;
  const lookUps: string[] = [];
  const isLookUp = (query: { sql: string }) => /api_key/.test(query.sql);
  const sent = (query: { sql: string; bindings?: unknown[] }) => {
    if (!isLookUp(query)) return;
    if (query.bindings?.includes(knownHash)) {
      knownLookedUp = true;
      return;
    }
    lookUps.push(query.sql);
    running += 1;
    most = Math.max(most, running);
  };
  const answered = (_: unknown, query: { sql: string; bindings?: unknown[] }) => {
    if (isLookUp(query) && !query.bindings?.includes(knownHash)) running -= 1;
  };
  first.db.on('query', sent);
  first.db.on('query-response', answered);
  first.db.on('query-error', answered);
  // Look-ups wait on a lock meanwhile, so that they pile up as they would on a slow database.
  await elsewhere.query('begin');
  await elsewhere.query('lock table api_key in access exclusive mode');
  let flood: Promise<number[]> | undefined;
  try {
    // Every key twice, all at once.
    flood = Promise.all([...keys, ...keys].map((apiKey) => status(first, apiKey)));
    await new Promise((resolve) => setTimeout(resolve, 300));
    // A known key's read still finds a connection of the pool (4 in tests) and answers.
    const known = await fetch(`${first.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': knownKey },
      body: JSON.stringify({ query: READ }),
      // Generous: the whole suite may be running beside this on two cores.
      signal: AbortSignal.timeout(15_000),
    }).catch((error: unknown) => error);
    const untrusted = wasUntrusted();
    if (!(known instanceof Response) && (knownLookedUp || untrusted)) return 'cache untrusted';
    // On failure, how the pool stood: a starved pool is this test's finding.
    const pool = (first.db.client as { pool: { numUsed(): number; numPendingAcquires(): number } })
      .pool;
    expect([
      known instanceof Response ? known.status : String(known),
      `pool: ${pool.numUsed()} used, ${pool.numPendingAcquires()} waiting`,
    ]).toEqual([200, expect.any(String)]);
    await elsewhere.query('commit');
    expect(new Set(await flood)).toEqual(new Set([401]));
    expect(lookUps).toHaveLength(keys.length);
    expect(most).toBeLessThanOrEqual(2);
    return 'answered';
  } finally {
    await elsewhere.query('rollback').catch(() => undefined);
    // Whatever the outcome, the flood is answered before the next attempt begins.
    await flood?.catch(() => undefined);
    first.db.removeListener('query', sent);
    first.db.removeListener('query-response', answered);
    first.db.removeListener('query-error', answered);
  }
}

test('while it cannot listen, an instance caches nothing, and it listens again by itself', async () => {
  const org = await TestOrganization.create(first.db);
  expect(await status(first, org.apiKey)).toBe(200);
  // This process's listening connections (other test files run beside this one).
  const listeners = async () =>
    (
      await elsewhere.query<{ pid: number }>(
        'select pid from pg_stat_activity where application_name = $1',
        [`${LISTENER_NAME} (pid ${process.pid})`],
      )
    ).rows.map((row) => row.pid);
  const before = await listeners();
  expect(before).toHaveLength(2);
  // Cut every instance's listening connection: the notification of the revocation is lost.
  await elsewhere.query('select pg_terminate_backend(pid) from unnest($1::int[]) pid', [before]);
  await new Promise((resolve) => setTimeout(resolve, 100));
  await elsewhere.query('update api_key set revoked_at = now() where id = $1', [org.apiKeyId]);
  expect(await status(first, org.apiKey)).toBe(401);
  // Back to listening within a few seconds, and caching again: a known key costs nothing.
  const started = performance.now();
  while ((await listeners()).filter((pid) => !before.includes(pid)).length < 2) {
    expect(performance.now() - started).toBeLessThan(5000);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // (Its server process shows up a moment before it has finished LISTEN.)
  await expectCachingWithin(5000);
});

/** Waits until a newly issued key, once used, costs no statement on the first instance. */
async function expectCachingWithin(ms: number) {
  const other = await TestOrganization.create(first.db);
  const started = performance.now();
  for (;;) {
    expect(await status(first, other.apiKey)).toBe(200);
    const { sql } = await first.countStatements(() => first.graphql(READ, {}, other.apiKey));
    if (sql.length === 1) return;
    expect(performance.now() - started).toBeLessThan(ms);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

test('a listening connection that stops answering (frozen, or cut without a word) stops the cache within a second or so', async () => {
  const org = await TestOrganization.create(first.db);
  expect(await status(first, org.apiKey)).toBe(200);
  expect(await status(second, org.apiKey)).toBe(200);
  const { rows } = await elsewhere.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1',
    [`${LISTENER_NAME} (pid ${process.pid})`],
  );
  expect(rows).toHaveLength(2);
  // The listeners' server processes freeze: their sockets stay open, notifications never come.
  for (const { pid } of rows) process.kill(pid, 'SIGSTOP');
  try {
    await elsewhere.query('update api_key set revoked_at = now() where id = $1', [org.apiKeyId]);
    const [onFirst, onSecond] = await Promise.all([
      msUntilRefused(first, org.apiKey),
      msUntilRefused(second, org.apiKey),
    ]);
    expect(onFirst).toBeLessThan(1500);
    expect(onSecond).toBeLessThan(1500);
  } finally {
    for (const { pid } of rows) process.kill(pid, 'SIGCONT');
  }
  // Thawed, the connections answer again and the cache is back: a known key costs nothing.
  await expectCachingWithin(5000);
  expect(await status(first, org.apiKey)).toBe(401);
});

/**
 * The statements of `work`, tried up to five times until it sends no API key look-up: the cache is
 * trusted only while it heard a heartbeat sent within the last second, which a loaded machine can
 * delay. Every round's statements, the last one's first to check.
 */
async function untilNoLookUp(work: () => Promise<unknown>): Promise<string[][]> {
  const rounds: string[][] = [];
  for (let attempt = 0; attempt < 5; attempt += 1) {
    const { sql } = await first.countStatements(work);
    rounds.push(sql);
    if (!sql.some((statement) => /api_key/.test(statement))) break;
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return rounds;
}

test('the heartbeat connection cut: the cache stops trusting itself, then comes back by itself', async () => {
  const org = await TestOrganization.create(first.db);
  expect(await status(first, org.apiKey)).toBe(200);
  const { rows } = await elsewhere.query<{ pid: number }>(
    'select pid from pg_stat_activity where application_name = $1',
    [`${HEARTBEAT_NAME} (pid ${process.pid})`],
  );
  expect(rows).toHaveLength(2);
  await elsewhere.query('select pg_terminate_backend(pid) from unnest($1::int[]) pid', [
    rows.map((row) => row.pid),
  ]);
  // A revocation now is heard by nobody's old listener, and must still be refused.
  await elsewhere.query('update api_key set revoked_at = now() where id = $1', [org.apiKeyId]);
  expect(await msUntilRefused(first, org.apiKey)).toBeLessThan(1000);
  await expectCachingWithin(6000);
});

describe('a cache that cannot prove it hears the keys’ database is never trusted', () => {
  // Short timings: a listening connection is replaced after 5 silences of 200 ms.
  const timings = { heartbeatMs: 50, maxSilenceMs: 200, reconnectDelayMs: 100 };

  async function watch(listenUrl: string | undefined) {
    const told: (boolean | NotHearing)[] = [];
    const cache = new ApiKeyCache(first.db, {
      ...timings,
      ...(listenUrl && { listenUrl }),
      onHearing: (hearing, why) => told.push(hearing || why!),
    });
    await cache.start();
    return { cache, told };
  }

  test('one set up right is trusted at once and says nothing', async () => {
    const { cache, told } = await watch(process.env.TEST_DATABASE_URL);
    try {
      expect(cache.isTrusted).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(cache.isTrusted).toBe(true);
      expect(told).toEqual([]);
    } finally {
      await cache.close();
    }
  });

  test('a LISTEN_DATABASE_URL of another database hears its own heartbeats, is never trusted, and says why once', async () => {
    const serverUrl = new URL(process.env.TEST_DATABASE_URL!);
    const name = `api_key_cache_other_${process.pid}`;
    const otherUrl = await createDatabase(serverUrl.toString(), name);
    const { cache, told } = await watch(otherUrl);
    try {
      const started = performance.now();
      while (performance.now() - started < 2_500) {
        expect(cache.isTrusted).toBe(false);
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
      // Replaced twice or more meanwhile, and said once.
      expect(told).toEqual(['other-database']);
    } finally {
      await cache.close();
      await dropDatabase(serverUrl.toString(), name);
    }
  });
});
