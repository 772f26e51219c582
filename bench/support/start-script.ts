import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

/**
 * The node arguments of an npm script (`npm start`, `npm run serve`), read from package.json, so
 * that a benchmark runs the server exactly as that script does (its V8 flags included) while
 * watching the server process itself rather than npm's.
 */
export function nodeArgsOf(script: 'start' | 'serve'): string[] {
  const line = (JSON.parse(readFileSync(`${REPO}/package.json`, 'utf8')) as { scripts: Record<string, string> }).scripts[script];
  const [program, ...args] = line?.trim().split(/\s+/) ?? [];
  if (program !== 'node' || args.some((arg) => /["'$&|;<>]/.test(arg))) throw new Error(`npm ${script} is not a plain "node …" command: ${line}`);
  return args;
}
