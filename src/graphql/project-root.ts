import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * The folder holding package.json: the same from `src/` (ts) and `dist/src/` (compiled js), so that
 * files shipped beside the code (examples/) are found either way.
 */
export const PROJECT_ROOT = findRoot(__dirname);

function findRoot(from: string): string {
  let dir = from;
  while (!existsSync(path.join(dir, 'package.json'))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
  return dir;
}
