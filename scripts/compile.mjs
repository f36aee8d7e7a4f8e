// npm start's compile step: TypeScript to dist/ with swc, the files that changed only, and no type
// check (that is `npm run check`'s, and `npm run build` still compiles with tsc). A start with
// nothing changed costs a walk of the tree; a first one about a second instead of tsc's eight.
import { transformFile } from '@swc/core';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { copySqlFiles } from './copy-sql.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'dist');
// What tsconfig.build.json compiles.
const inputs = ['src', 'migrations', 'scripts', 'mikro-orm.config.ts'];
const options = JSON.parse(await readFile(path.join(root, '.swcrc'), 'utf8'));

async function* typescriptFiles(entry) {
  const info = await stat(entry);
  if (info.isFile()) {
    if (entry.endsWith('.ts') && !entry.endsWith('.d.ts')) yield [entry, info.mtimeMs];
    return;
  }
  for (const name of await readdir(entry)) yield* typescriptFiles(path.join(entry, name));
}

async function modifiedAt(file) {
  return stat(file).then(
    (info) => info.mtimeMs,
    () => -1,
  );
}

let compiled = 0;
for (const input of inputs) {
  for await (const [source, changed] of typescriptFiles(path.join(root, input))) {
    const target = path.join(out, path.relative(root, source)).replace(/\.ts$/, '.js');
    if ((await modifiedAt(target)) >= changed) continue;
    const { code, map } = await transformFile(source, {
      ...options,
      swcrc: false,
      filename: source,
      sourceFileName: path.relative(path.dirname(target), source),
    });
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, `${code}\n//# sourceMappingURL=${path.basename(target)}.map\n`);
    if (map) await writeFile(`${target}.map`, map);
    compiled += 1;
  }
}
compiled += await copySqlFiles();
if (compiled > 0) console.log(`compiled ${compiled} file${compiled === 1 ? '' : 's'} to dist/`);
