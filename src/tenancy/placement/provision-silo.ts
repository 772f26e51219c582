import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase, redact, type Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';
import { createDatabase, dropDatabase, dropRole } from '../../db/server-admin.ts';
import { ensureRequestLogin, requestLoginName } from '../../db/request-login.ts';
import { AppError } from '../../errors.ts';
import { rm } from 'node:fs/promises';
import { siloDir, type Shards } from './shards.ts';

/**
 * Creates a silo: a database of its own for one tenant, with the full schema. On a server it is
 * `CREATE DATABASE ... TEMPLATE` of a migrated template database (a file copy, far faster than
 * running the migrations); embedded, a new PGlite directory. Returns the shard's name, recorded in
 * the shard map. Runs outside any transaction: CREATE DATABASE cannot run inside one.
 */
export async function provisionSilo(shards: Shards, input: { slug: string; serverUrl?: string | undefined }): Promise<string> {
  const name = `silo-${input.slug}`;
  const pool = shards.pool;
  if (await pool.system.selectFrom('shards').select('name').where('name', '=', name).executeTakeFirst()) {
    throw new AppError('CONFLICT', `Shard "${name}" already exists.`, 'slug');
  }
  let location: string;
  if (pool.kind === 'pglite') {
    if (input.serverUrl) throw new AppError('VALIDATION_FAILED', 'An embedded installation keeps its silos embedded; --server needs DATABASE_URL.', 'server');
    location = await provisionEmbedded(shards, name);
  } else {
    location = await provisionOnServer(input.serverUrl ?? pool.url!, name);
  }
  await pool.system.insertInto('shards').values({ name, kind: 'silo', location }).execute();
  return name;
}

async function provisionEmbedded(shards: Shards, name: string): Promise<string> {
  const database = await openDatabase(
    shards.options.dataDir ? { kind: 'pglite', dataDir: siloDir(shards.options.dataDir, name), lock: false } : { kind: 'pglite' },
  );
  await migrate(database);
  if (!shards.options.dataDir) {
    shards.adoptMemory(name, database);
    return `pglite-memory:${name}`;
  }
  await database.close();
  return `pglite:${name}`;
}

async function provisionOnServer(serverUrl: string, name: string): Promise<string> {
  const server = new URL(serverUrl);
  const base = server.pathname.slice(1) || 'tenantdesk';
  const template = `${base}_template`.slice(0, 63);
  const target = `${base}_${name.replace(/-/g, '_')}`.slice(0, 63);
  const admin = new pg.Client({ connectionString: serverUrl });
  // A connection lost mid-statement fails that statement; unheard, pg's 'error' event would end the process.
  admin.on('error', () => {});
  try {
    await admin.connect();
  } catch (error) {
    throw new AppError('SERVICE_UNAVAILABLE', `Cannot reach PostgreSQL at ${redact(serverUrl)}: ${(error as Error).message}`, 'server');
  }
  try {
    // One provisioning at a time per server: a template being copied must have no other session.
    await admin.query('select pg_advisory_lock(7410552)');
    const exists = await admin.query('select 1 from pg_database where datname = $1', [template]);
    if (!exists.rowCount) await createDatabase(admin, template);
    const urlOf = (database: string) => Object.assign(new URL(serverUrl), { pathname: `/${database}` }).toString();
    const templateDb = await openDatabase({ kind: 'postgres', url: urlOf(template), poolMax: 1 });
    try {
      await migrate(templateDb);
      await sql`select 1`.execute(templateDb.owner);
    } finally {
      await templateDb.close();
    }
    await createDatabase(admin, target, template);
    // The copy holds the template's request login: the silo gets its own (request-login.ts).
    const silo = await openDatabase({ kind: 'postgres', url: urlOf(target), poolMax: 1 });
    try {
      await ensureRequestLogin(silo.owner);
    } finally {
      await silo.close();
    }
    const location = new URL(urlOf(target));
    location.password = '';
    return location.toString();
  } finally {
    await admin.query('select pg_advisory_unlock(7410552)').catch(() => undefined);
    await admin.end();
  }
}

/** Removes a silo's database and its shard-map entry (a refused tenant). */
export async function dropSilo(shards: Shards, name: string): Promise<void> {
  await dropSiloDatabase(shards, name);
  await shards.pool.system.deleteFrom('shards').where('name', '=', name).execute();
}

/** Removes a silo's database, leaving its shard-map entry to the caller. */
export async function dropSiloDatabase(shards: Shards, name: string): Promise<void> {
  const row = await shards.pool.system.selectFrom('shards').select(['location', 'kind']).where('name', '=', name).executeTakeFirst();
  if (!row || row.kind !== 'silo') return;
  await shards.forget(name);
  if (row.location.startsWith('pglite:') && shards.options.dataDir) {
    await rm(siloDir(shards.options.dataDir, row.location.slice('pglite:'.length)), { recursive: true, force: true });
  } else if (row.location.startsWith('postgres')) {
    const silo = new URL(row.location);
    // Dropped from the server's maintenance database, with the pool's credentials when it is the same server.
    const sameServer = shards.pool.url && new URL(shards.pool.url).host === silo.host;
    const admin = new URL(sameServer ? shards.pool.url! : row.location);
    admin.pathname = '/postgres';
    const client = new pg.Client({ connectionString: admin.toString() });
    client.on('error', () => {});
    await client.connect();
    try {
      await dropDatabase(client, silo.pathname.slice(1));
      // Roles outlive databases: the silo's request login goes with it. A user that may not drop
      // it could not have created it either (migrate): then it was made by hand, and stays.
      await dropRole(client, requestLoginName(silo.pathname.slice(1))).catch((error: { code?: string }) => {
        if (error.code !== '42501') throw error;
      });
    } finally {
      await client.end();
    }
  }
}
