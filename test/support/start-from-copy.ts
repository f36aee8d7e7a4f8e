// Starts an embedded PostgreSQL whose package sits at argv[2] (a copy under a closed directory,
// as in a clone under /root), asks it one question and stops it; prints what happened as JSON.
// A process of its own: the package is an ES module, which jest cannot load.
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

async function main(): Promise<void> {
  const [packageDir, dataDir] = process.argv.slice(2);
  const notices: string[] = [];
  const database = await startEmbeddedPostgres({
    dataDir: dataDir!,
    databaseName: 'copied_programs',
    reuseRunning: false,
    log: () => undefined,
    notice: (message) => notices.push(message),
    packageDir,
  });
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    const { rows } = await client.query<{ answer: number }>('select 1 + 1 as answer');
    await client.end();
    console.log(JSON.stringify({ answer: rows[0]!.answer, notices }));
  } finally {
    await database.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
