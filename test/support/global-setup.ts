import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

/**
 * Gives the run a fresh database (each test file's connection migrates it, see connectOrm): a new one on DATABASE_URL's server when that is set,
 * otherwise on an embedded PostgreSQL started for this run. Tests read TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const name = `audience_gateway_test_${Date.now()}_${process.pid}`;
  let url: string;
  if (process.env.DATABASE_URL) {
    url = await createDatabase(process.env.DATABASE_URL, name);
  } else {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'audience-gateway-test-'));
    const database = await startEmbeddedPostgres({
      dataDir,
      databaseName: name,
      reuseRunning: false,
      log: () => undefined,
    });
    url = database.url;
    globalThis.__stopTestDatabase = database.stop;
  }
  process.env.TEST_DATABASE_URL = url;
}

async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}
