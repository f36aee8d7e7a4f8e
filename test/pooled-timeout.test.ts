import type { MikroORM } from '@mikro-orm/postgresql';
import { connectOrm } from '../src/database/database';
import { pooledTimeoutMismatch } from '../src/database/pooled-timeout';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

// Through a transaction pooler the statement timeout is the role's: the service says so at start
// when the timeout its connections get is not STATEMENT_TIMEOUT_MS.
let orm: MikroORM;
beforeAll(async () => {
  // A connection whose sessions start with a 4.5 s timeout, as a role's setting would give them.
  ({ orm } = await connectOrm({
    url: process.env.TEST_DATABASE_URL!,
    poolSize: 1,
    statementTimeoutMs: 4_500,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  }));
});
afterAll(() => orm.close());

test('the timeout the connections get, compared with the one configured', async () => {
  expect(await pooledTimeoutMismatch(orm.em.getKnex(), 4_500)).toBeUndefined();
  const mismatch = await pooledTimeoutMismatch(orm.em.getKnex(), 15_000);
  expect(mismatch).toMatch(
    /^STATEMENT_TIMEOUT_MS is 15000, but through the pooler PostgreSQL's statement_timeout is 4500 ms for role \S+: run ALTER ROLE "\S+" SET statement_timeout = 15000/,
  );
});
