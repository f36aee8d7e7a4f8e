import type { Knex } from '@mikro-orm/postgresql';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { queryRows, sql } from '../database/sql';
import { seedDemo } from './demo-seed';

const DEMO_KEY_FILE = 'demo-api-key';

/**
 * On the embedded database only: seeds the demo organization when the database holds no
 * organization yet, and returns the demo API key. The key is kept in DATA_DIR (the database keeps
 * only its hash), so that every later start can print it again.
 */
export async function ensureDemo(db: Knex, dataDir: string): Promise<string | undefined> {
  const keyFile = path.join(dataDir, DEMO_KEY_FILE);
  const [existing] = await queryRows(
    db,
    sql.named('demo.anyOrganization')`select id from organization limit 1`,
  );
  if (existing) {
    return existsSync(keyFile) ? (await readFile(keyFile, 'utf8')).trim() : undefined;
  }
  const { apiKey } = await seedDemo(db);
  await writeFile(keyFile, `${apiKey}\n`, { mode: 0o600 });
  return apiKey;
}
