import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { sql, type Kysely } from 'kysely';
import type { Database } from './database.ts';
import { ensureRequestLogin } from './request-login.ts';
import { projectPath } from '../config/paths.ts';
import { securitySql } from './rls.ts';
import type { DB } from './schema.ts';

/**
 * Forward-only migrations: plain SQL files in `migrations/`, applied in name order, each in its own
 * transaction, recorded with a checksum in `schema_migrations`. Then the row-level security script
 * generated from the registry is applied whenever its text changed. Running it twice changes nothing.
 */
export const MIGRATIONS_DIR = projectPath('migrations') + '/';
const SECURITY_VERSION = 'security';

export type Migration = { version: string; name: string; sql: string; checksum: string };
export type MigrationStatus = { applied: string[]; pending: string[] };

const checksum = (text: string) => createHash('sha256').update(text).digest('hex');

export function migrationFiles(dir = MIGRATIONS_DIR): Migration[] {
  return readdirSync(dir)
    .filter((f) => /^\d{4}_[a-z0-9_]+\.sql$/.test(f))
    .sort()
    .map((file) => {
      const text = readFileSync(dir + file, 'utf8');
      return { version: file.slice(0, 4), name: file.slice(5, -4), sql: text, checksum: checksum(text) };
    });
}

/** Every migration, the generated row-level security one last. */
export function allMigrations(): Migration[] {
  const security = securitySql();
  return [...migrationFiles(), { version: SECURITY_VERSION, name: 'row-level security', sql: security, checksum: checksum(security) }];
}

async function ensureTable(db: Kysely<DB>): Promise<void> {
  await sql`create table if not exists schema_migrations (
    version text primary key, name text not null, checksum text not null,
    applied_at timestamptz not null default now())`.execute(db);
}

async function appliedChecksums(db: Kysely<DB>): Promise<Map<string, string>> {
  const rows = await sql<{ version: string; checksum: string }>`select version, checksum from schema_migrations`.execute(db);
  return new Map(rows.rows.map((r) => [r.version, r.checksum]));
}

export class MigrationError extends Error {}

/**
 * Applies what is pending; returns the versions it applied. Safe to run from several processes at
 * once. On a server it then creates or re-asserts the database's request login (request-login.ts).
 */
export async function migrate(database: Database): Promise<string[]> {
  const db = database.owner;
  await ensureTable(db);
  const migrations = allMigrations();
  const done: string[] = [];
  // Up to date (every start but the first after an upgrade): one read instead of a locked transaction per file.
  const recorded = await appliedChecksums(db);
  const pending = migrations.some((m) => recorded.get(m.version) !== m.checksum);
  for (const migration of pending ? migrations : []) {
    const applied = await db.transaction().execute(async (tx) => {
      // Serialises concurrent migrators; the check below is repeated under the lock.
      await sql`select pg_advisory_xact_lock(7410551)`.execute(tx);
      const current = (await appliedChecksums(tx)).get(migration.version);
      if (current === migration.checksum) return false;
      if (current !== undefined && migration.version !== SECURITY_VERSION) {
        throw new MigrationError(
          `Migration ${migration.version}_${migration.name}.sql was changed after it was applied; ` +
            'migrations are forward-only: add a new file instead.',
        );
      }
      await sql.raw(migration.sql).execute(tx);
      await sql`insert into schema_migrations (version, name, checksum) values (${migration.version}, ${migration.name}, ${migration.checksum})
        on conflict (version) do update set checksum = excluded.checksum, applied_at = now()`.execute(tx);
      return true;
    });
    if (applied) done.push(migration.version);
  }
  // After the security script, which creates the roles the login is granted.
  if (database.kind === 'postgres') await ensureRequestLogin(db);
  return done;
}

/** What is applied and pending; as the system role where there is one (/readyz is a request). */
export async function migrationStatus(database: Database): Promise<MigrationStatus> {
  const db = database.system;
  const exists = await sql<{ t: string | null }>`select to_regclass('schema_migrations')::text as t`.execute(db);
  const applied = exists.rows[0]?.t ? await appliedChecksums(db) : new Map<string, string>();
  const all = allMigrations();
  return {
    applied: all.filter((m) => applied.get(m.version) === m.checksum).map((m) => m.version),
    pending: all.filter((m) => applied.get(m.version) !== m.checksum).map((m) => m.version),
  };
}
