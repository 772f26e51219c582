import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The folder an installed package lives in, or undefined when it is not installed. Found from its
 * entry point, walking up: the packages whose binaries the tests use hide package.json behind an
 * exports map, so `require.resolve('<name>/package.json')` would fail.
 */
export function packageRoot(name: string): string | undefined {
  let dir: string;
  try {
    dir = dirname(createRequire(import.meta.url).resolve(name));
  } catch {
    return undefined;
  }
  while (dir !== dirname(dir)) {
    const manifest = join(dir, 'package.json');
    if (existsSync(manifest) && (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: string }).name === name) return dir;
    dir = dirname(dir);
  }
  return undefined;
}
