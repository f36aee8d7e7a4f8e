import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { createDatabase, dropDatabase } from './databases';

/**
 * Gives the run a fresh database (each test file's connection migrates it, see connectOrm): a new one on DATABASE_URL's server when that is set,
 * otherwise on an embedded PostgreSQL started for this run. Tests read TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const name = `audience_gateway_test_${Date.now()}_${process.pid}`;
  let url: string;
  const serverUrl = process.env.DATABASE_URL;
  if (serverUrl) {
    url = await createDatabase(serverUrl, name);
    globalThis.__releaseTestDatabase = () => dropDatabase(serverUrl, name);
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-test-'));
    const database = await startEmbeddedPostgres({
      dataDir,
      databaseName: name,
      reuseRunning: false,
      log: () => undefined,
    });
    url = database.url;
    globalThis.__releaseTestDatabase = async () => {
      await database.stop();
      await rm(dataDir, { recursive: true, force: true });
    };
  }
  process.env.TEST_DATABASE_URL = url;
}
