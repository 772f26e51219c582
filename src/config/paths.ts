import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The checkout's top folder: the nearest folder above this module holding package.json. Found by
 * walking up rather than by a fixed `../..`, because the same module runs from `src/` (tsx, tests)
 * and from the server bundle in `dist/server/` (npm start), at different depths.
 */
function findProjectRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}: TenantDesk runs from its own folder.`);
  }
}

export const PROJECT_ROOT = findProjectRoot(dirname(fileURLToPath(import.meta.url)));

/** A path inside the checkout, e.g. `projectPath('migrations')`. */
export const projectPath = (...parts: string[]): string => join(PROJECT_ROOT, ...parts);
