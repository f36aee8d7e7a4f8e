import { MikroORM } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Config } from '../config/config';
import { type RunningDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { applyDatabaseLogic } from './logic';
import { ormOptions, type OrmSettings } from './orm-options';

const EMBEDDED_DATABASE_NAME = 'audience_gateway';

interface ResolveOptions {
  reuseRunning: boolean;
  stopWhenIdle?: boolean;
  log: (message: string) => void;
  /** Told what a person starting the service should know (see startEmbeddedPostgres). */
  notice?: (message: string) => void;
}

/** DATABASE_URL when configured, otherwise the embedded PostgreSQL under DATA_DIR. */
export async function resolveDatabase(
  config: Config,
  options: ResolveOptions,
): Promise<RunningDatabase & { embedded: boolean }> {
  if (config.databaseUrl) {
    return {
      url: config.databaseUrl,
      ownsServer: false,
      embedded: false,
      stop: async () => undefined,
    };
  }
  const database = await startEmbeddedPostgres({
    dataDir: config.dataDir,
    databaseName: EMBEDDED_DATABASE_NAME,
    reuseRunning: options.reuseRunning,
    stopWhenIdle: options.stopWhenIdle,
    log: options.log,
    notice: options.notice,
  });
  return { ...database, embedded: true };
}

/**
 * Connects MikroORM and brings the schema up to date with the committed migrations, then the
 * database's logic with its files (`logic`: DATABASE_LOGIC of src/features.ts; see logic.ts);
 * returns the names of the migrations it applied and what of the logic it changed. Migrations run on `migrationsUrl` (a direct connection when
 * `url` goes through a pooler) and never with the statement timeout (an index on a million rows,
 * say): the connection this returns is then a second one, on `url`.
 */
export async function connectOrm(
  settings: OrmSettings & { migrationsUrl?: string; logic: readonly string[] },
): Promise<{ orm: MikroORM; applied: string[]; logicChanged: string[] }> {
  const { url, migrationsUrl = url, statementTimeoutMs = 0 } = settings;
  // No timeout for migrations, whatever the role's, unless they go through the pooler (which
  // takes no startup parameter: MIGRATIONS_DATABASE_URL is then worth setting).
  const migrating = await MikroORM.init(
    ormOptions({
      ...settings,
      url: migrationsUrl,
      statementTimeoutMs: 0,
      transactionPooling: settings.transactionPooling === true && migrationsUrl === url,
      replicaUrls: [],
    }),
  );
  let applied: string[];
  let logicChanged: string[];
  try {
    [applied, logicChanged] = await withMigrationLock(migrationsUrl, async () => {
      const migrations = await migrating.getMigrator().up();
      const changed = await applyDatabaseLogic(migrating.em.getKnex(), settings.logic);
      return [migrations.map((migration) => migration.name), changed] as const;
    });
  } catch (error) {
    await migrating.close();
    throw error;
  }
  const reusable =
    statementTimeoutMs === 0 && migrationsUrl === url && !settings.replicaUrls?.length;
  // (The service's connections send STATEMENT_TIMEOUT_MS, 0 included, unless pooled.)
  if (reusable) return { orm: migrating, applied, logicChanged };
  await migrating.close();
  const orm = await MikroORM.init(ormOptions(settings));
  return { orm, applied, logicChanged };
}

// Any constant will do; it only has to be the same in every process that migrates this database.
const MIGRATION_LOCK_KEY = 0x61756469;

/**
 * Runs `work` while holding a PostgreSQL advisory lock, so that processes starting together on
 * one database (instances, parallel test files) apply each migration once, one after the other.
 * The lock belongs to a transaction left open meanwhile, never to a session: through a
 * transaction pooler (PgBouncer) a session lock would stay with the server connection that took
 * it, held for as long as the pooler keeps that connection, and the next process would wait for
 * ever. A transaction keeps its server connection until it ends, and the lock ends with it, also
 * when this process dies.
 */
async function withMigrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('begin');
    await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    const result = await work();
    await client.query('commit');
    return result;
  } finally {
    await client.end();
  }
}
