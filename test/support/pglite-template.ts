import { PGlite } from '@electric-sql/pglite';
import { Kysely } from 'kysely';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BRIEF_SHARED_BUFFERS, type Database } from '../../src/db/database.ts';
import { allMigrations, migrate } from '../../src/db/migrate.ts';
import { PGliteDialect } from '../../src/db/pglite-dialect.ts';
import type { DB } from '../../src/db/schema.ts';

/**
 * The files of a new PGlite database with every migration applied, for the tests' fresh databases
 * to start from: PGlite's initdb is most of a fresh database's cost (about 4 s of CPU, against under
 * 1 s to load these files). Made once per PGlite version and set of migrations (their checksums
 * name the file, so a changed migration makes a new one) and shared by the test processes through
 * the temporary directory; the database opened from it is migrated again, which finds nothing to do.
 */
const PREFIX = 'tenantdesk-test-pglite-';

function templateFile(): string {
  const pgliteVersion = (JSON.parse(readFileSync(new URL('../../node_modules/@electric-sql/pglite/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const hash = createHash('sha256').update(pgliteVersion);
  for (const m of allMigrations()) hash.update(`\0${m.version}\0${m.checksum}`);
  return join(tmpdir(), `${PREFIX}${hash.digest('hex').slice(0, 20)}.tar`);
}

async function build(): Promise<Blob> {
  const pglite = await PGlite.create({ startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${BRIEF_SHARED_BUFFERS}`] });
  const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
  try {
    const database: Database = { kind: 'pglite', label: 'test template', owner: db, system: db, app: db, requestLogin: false, setAdminSocket: () => {}, poolStats: () => [], close: () => db.destroy() };
    await migrate(database);
    return await pglite.dumpDataDir('none');
  } finally {
    await db.destroy();
  }
}

let made: Promise<Blob> | undefined;

/** The template's files; the first call of a run with new migrations makes them. */
export function migratedTemplate(): Promise<Blob> {
  made ??= (async () => {
    const file = templateFile();
    try {
      return new Blob([readFileSync(file)]);
    } catch {
      const blob = await build();
      // Written aside, then renamed: another test process reads the whole file or none of it.
      const partial = `${file}.${process.pid}`;
      writeFileSync(partial, Buffer.from(await blob.arrayBuffer()));
      renameSync(partial, file);
      // Templates of older migrations are of no further use (one that another process is reading stays readable).
      for (const old of readdirSync(tmpdir())) if (old.startsWith(PREFIX) && old.endsWith('.tar') && join(tmpdir(), old) !== file) rmSync(join(tmpdir(), old), { force: true });
      return blob;
    }
  })();
  return made;
}
