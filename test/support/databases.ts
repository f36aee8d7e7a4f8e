import pg from 'pg';

/** Creates a database on the server of `serverUrl` and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  await runOnServer(serverUrl, `create database ${pg.escapeIdentifier(name)}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops a database of that server, cutting its sessions. */
export function dropDatabase(serverUrl: string, name: string): Promise<void> {
  return runOnServer(
    serverUrl,
    `drop database if exists ${pg.escapeIdentifier(name)} with (force)`,
  );
}

async function runOnServer(serverUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
