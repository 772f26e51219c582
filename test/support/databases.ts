import { after, before, describe } from 'node:test';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { BRIEF_SHARED_BUFFERS, openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { requestLoginName } from '../../src/db/request-login.ts';
import { migratedTemplate } from './pglite-template.ts';
import { PrivatePostgres } from './private-postgres.ts';

/**
 * Every database test body runs on PGlite and on a real PostgreSQL server, each in a fresh database
 * dropped afterwards. The server is TEST_DATABASE_URL's; without it, the one `npm test` started for
 * the run (scripts/run-tests.ts sets TEST_DATABASE_URL), or for a test file run on its own, one
 * started for this process. Under CI the machine's server is required: a missing TEST_DATABASE_URL
 * fails the run.
 */
export type DatabaseKind = 'pglite' | 'postgres';

export function databaseKinds(): DatabaseKind[] {
  if (!process.env.TEST_DATABASE_URL && process.env.CI) throw new Error('CI requires TEST_DATABASE_URL (a PostgreSQL server to test against).');
  return ['pglite', 'postgres'];
}

let ownServer: Promise<PrivatePostgres> | undefined;

/** The superuser URL of the test server: TEST_DATABASE_URL, else a server started once for this process. */
export async function testServerUrl(): Promise<string> {
  if (process.env.TEST_DATABASE_URL) return process.env.TEST_DATABASE_URL;
  databaseKinds();
  ownServer ??= PrivatePostgres.create();
  return (await ownServer).url();
}

export type FreshDatabase = { database: Database; url?: string; drop(): Promise<void> };

async function serverUrl(database: string): Promise<string> {
  const url = new URL(await testServerUrl());
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a connection to the test server's maintenance database. */
export async function admin<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: await testServerUrl() });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/**
 * Drops the request logins of test databases that no longer exist (a test process killed before
 * its `drop`), so that they do not pile up on the shared server. A login names its database in its
 * comment (request-login.ts); another process may drop the same one meanwhile, which is fine.
 */
async function dropOrphanLogins(c: pg.Client): Promise<void> {
  const orphans = await c.query<{ rolname: string }>(`select r.rolname from pg_roles r
    join pg_shdescription d on d.objoid = r.oid and d.classoid = 'pg_authid'::regclass
    where r.rolname like 'tenantdesk\\_login\\_%' and d.description like 'TenantDesk request login of database td\\_test\\_%'
      and not exists (select 1 from pg_database where d.description = 'TenantDesk request login of database ' || datname)`);
  for (const { rolname } of orphans.rows) await c.query(`drop role if exists "${rolname}"`).catch(() => undefined);
}

/** A new, migrated database of `kind`. */
export async function freshDatabase(kind: DatabaseKind, options: { migrate?: boolean } = {}): Promise<FreshDatabase> {
  if (kind === 'pglite') {
    // A test's database lives for one file: the small buffer pool of a CLI command starts faster.
    // Migrated, it starts from the migrated template's files instead of initdb (pglite-template.ts).
    const template = options.migrate !== false ? await migratedTemplate() : undefined;
    const database = await openDatabase({ kind: 'pglite', sharedBuffers: BRIEF_SHARED_BUFFERS, ...(template ? { loadDataDir: template } : {}) });
    if (options.migrate !== false) await migrate(database);
    return { database, drop: () => database.close() };
  }
  const name = `td_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = await serverUrl(name);
  const database = await openDatabase({ kind: 'postgres', url, poolMax: 4 });
  if (options.migrate !== false) await migrate(database);
  return {
    database,
    url,
    drop: async () => {
      await database.close();
      // Silos and the silo template created next to it share its name as a prefix.
      await admin(async (c) => {
        const all = await c.query<{ datname: string }>('select datname from pg_database where datname = $1 or datname like $2', [name, `${name}\\_%`]);
        for (const { datname } of all.rows) {
          await c.query(`drop database if exists "${datname}" with (force)`);
          // Roles are cluster-wide and outlive the database: its request login goes with it.
          await c.query(`drop role if exists "${requestLoginName(datname)}"`);
        }
        await dropOrphanLogins(c);
      });
    },
  };
}

/**
 * Declares `body` once per database kind, inside a describe named after the kind. `get()` returns
 * that kind's migrated database, created before the suite and dropped after it.
 */
export function forEachDatabase(title: string, body: (get: () => Database, kind: DatabaseKind) => void): void {
  for (const kind of databaseKinds()) {
    describe(`${title} [${kind}]`, () => {
      let fresh: FreshDatabase | undefined;
      before(async () => {
        fresh = await freshDatabase(kind);
      });
      after(async () => {
        await fresh?.drop();
      });
      body(() => {
        if (!fresh) throw new Error('database not ready');
        return fresh.database;
      }, kind);
    });
  }
}
