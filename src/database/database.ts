import { MikroORM } from '@mikro-orm/postgresql';
import type { Config } from '../config/config';
import { type RunningDatabase, startEmbeddedPostgres } from './embedded-postgres';
import { ormOptions } from './orm-options';

export const EMBEDDED_DATABASE_NAME = 'audience_gateway';

interface ResolveOptions {
  reuseRunning: boolean;
  log: (message: string) => void;
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
    log: options.log,
  });
  return { ...database, embedded: true };
}

/** Connects MikroORM and brings the schema up to date with the committed migrations. */
export async function connectOrm(url: string, poolSize?: number): Promise<MikroORM> {
  const orm = await MikroORM.init(ormOptions({ url, poolSize }));
  await orm.getMigrator().up();
  return orm;
}
