import { Migrator } from '@mikro-orm/migrations';
import { defineConfig, type Options } from '@mikro-orm/postgresql';
import path from 'node:path';

// Resolved from this file so that both `src/` (ts) and `dist/src/` (compiled js) find their own copy.
const MIGRATIONS_DIR = path.resolve(__dirname, '../../migrations');

// Long enough for a full pool's queue of 10,000-id addContacts calls (about 1 s each) to drain.
const ACQUIRE_TIMEOUT_MS = 10_000;
// A reachable PostgreSQL accepts a connection in milliseconds; an unreachable host gets this long.
const CONNECT_TIMEOUT_MS = 5_000;

export interface OrmSettings {
  url: string;
  /** The features' entities (ENTITIES of src/features.ts, which the assembly passes). */
  entities: NonNullable<Options['entities']>;
  poolSize?: number;
  /**
   * PostgreSQL's statement_timeout for every connection of the pool, 0 for none; absent: the
   * database role's (ALTER ROLE … SET statement_timeout). Sent as a startup parameter, so never
   * through a transaction pooler, where the role's applies.
   */
  statementTimeoutMs?: number;
  /**
   * `url` goes through a transaction pooler (PgBouncer): no session state, so no statement_timeout
   * startup parameter (the pooler refuses it; set it on the database role instead).
   */
  transactionPooling?: boolean;
  /** Read replicas of `url`'s database (`em.getKnex('read')` picks one per call). */
  replicaUrls?: readonly string[];
}

/** The one MikroORM configuration: used by the service, the CLI, the tests and `npx mikro-orm`. */
export function ormOptions({
  url,
  entities,
  poolSize = 10,
  statementTimeoutMs,
  transactionPooling = false,
  replicaUrls = [],
}: OrmSettings): Options {
  return defineConfig({
    clientUrl: url,
    driverOptions: {
      // While the database is down or saturated a request fails (503) within seconds rather
      // than queueing for knex's default minute.
      acquireConnectionTimeout: ACQUIRE_TIMEOUT_MS,
      connection: {
        connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
        ...(statementTimeoutMs !== undefined &&
          !transactionPooling && { statement_timeout: statementTimeoutMs }),
      },
    },
    entities,
    replicas: replicaUrls.map((replicaUrl, index) => ({
      name: `replica ${index + 1}`,
      clientUrl: replicaUrl,
    })),
    extensions: [Migrator],
    pool: { min: 0, max: poolSize },
    discovery: { warnWhenNoEntities: true },
    migrations: {
      path: MIGRATIONS_DIR,
      pathTs: MIGRATIONS_DIR,
      glob: '!(*.d).{js,ts}',
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshotName: '.snapshot',
      emit: 'ts',
      // connectOrm reports what it applied, in one line.
      silent: true,
    },
  });
}
