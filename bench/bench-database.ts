import path from 'node:path';
import { type Config, loadConfig } from '../src/config/config';
import { resolveDatabase } from '../src/database/database';
import type { RunningDatabase } from '../src/database/embedded-postgres';

/**
 * The benchmark's database: DATABASE_URL when set, otherwise an embedded PostgreSQL of its own
 * under ./.data-bench (or BENCH_DATA_DIR), apart from the demo data of ./.data.
 */
export async function benchDatabase(): Promise<RunningDatabase & { config: Config }> {
  const config = loadConfig({
    ...process.env,
    DATA_DIR: process.env.BENCH_DATA_DIR ?? path.resolve('.data-bench'),
  });
  const database = await resolveDatabase(config, { reuseRunning: true, log: () => undefined });
  return { ...database, config };
}

/** The benchmark's organizations, with ids fixed so that every run finds them. */
export const BENCH_ORG_ID = '00000000-0000-4000-8000-00000000b001';
export const OTHER_ORG_ID = '00000000-0000-4000-8000-00000000b002';
export const BENCH_USER_ID = '00000000-0000-4000-8000-00000000b101';
export const OTHER_USER_ID = '00000000-0000-4000-8000-00000000b102';
