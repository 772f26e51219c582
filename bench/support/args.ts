import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** `--name value`, `--name=value` and bare `--flag` options, nothing more. */
export type Args = {
  flag(name: string): boolean;
  int(name: string, fallback: number): number;
  string(name: string, fallback: string): string;
};

export function parseArgs(argv: readonly string[] = process.argv.slice(2)): Args {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) continue;
    const eq = arg.indexOf('=');
    if (eq > 0) {
      values.set(arg.slice(2, eq), arg.slice(eq + 1));
      continue;
    }
    const name = arg.slice(2);
    const next = argv[i + 1];
    if (next !== undefined && !next.startsWith('--')) {
      values.set(name, next);
      i++;
    } else {
      flags.add(name);
    }
  }
  return {
    flag: (name) => flags.has(name) || values.get(name) === 'true',
    int: (name, fallback) => {
      const raw = values.get(name);
      if (raw === undefined) return fallback;
      const n = Number(raw);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} expects a non-negative integer, got "${raw}"`);
      return n;
    },
    string: (name, fallback) => values.get(name) ?? fallback,
  };
}

/** True when the module at `url` is the script node was started with (tsx bench/x.ts). */
export function isMain(url: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(fileURLToPath(url)) === realpathSync(resolve(script));
  } catch {
    return false;
  }
}

/** The PostgreSQL server of this machine, where the benchmarks make their databases by default. */
export const LOCAL_POSTGRES = 'postgres://postgres@127.0.0.1:5432/postgres';

/** `--url`, else BENCH_DATABASE_URL, else the test suite's TEST_DATABASE_URL, else the local server. */
export const benchServerUrl = (args: Args): string =>
  args.string('url', process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? LOCAL_POSTGRES);
