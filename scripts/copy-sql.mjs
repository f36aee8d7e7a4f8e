// The features' database logic files (src/**/*.sql) beside their compiled code in dist/, where
// each feature's index finds them (path.join(__dirname, 'membership.sql')). Run by `npm run build`
// after tsc and by npm start's compile step; tsc and swc compile TypeScript only.
import { copyFile, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function* sqlFiles(dir) {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* sqlFiles(file);
    else if (entry.name.endsWith('.sql')) yield file;
  }
}

/** Copies every .sql file under src/ to dist/src/ that is missing or older there. */
export async function copySqlFiles() {
  let copied = 0;
  for await (const source of sqlFiles(path.join(root, 'src'))) {
    const target = path.join(root, 'dist', path.relative(root, source));
    const targetTime = await stat(target).then(
      (info) => info.mtimeMs,
      () => -1,
    );
    if (targetTime >= (await stat(source)).mtimeMs) continue;
    await mkdir(path.dirname(target), { recursive: true });
    await copyFile(source, target);
    copied += 1;
  }
  return copied;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await copySqlFiles();
