import { PGlite } from '@electric-sql/pglite';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DB } from './schema.ts';
import { PGliteDialect } from './pglite-dialect.ts';
import { acquireLock } from './data-dir-lock.ts';
import { deferBegin } from './deferred-begin.ts';
import { prepareStatements } from './prepared-statements.ts';

/**
 * One PostgreSQL database holding the help-desk schema: the embedded PGlite one, or one on a server.
 * `owner` runs migrations and catalog maintenance; `app` runs every scoped query, always under the
 * `tenantdesk_app` role (see scope.ts), so row-level security applies whichever pool it comes from.
 */
export type Database = {
  readonly kind: 'pglite' | 'postgres';
  readonly label: string;
  /** The server URL it was opened with (PostgreSQL only), for creating silos next to it. */
  readonly url?: string;
  readonly owner: Kysely<DB>;
  readonly app: Kysely<DB>;
  /** Called by the admin socket once it listens, so CLI commands can find the running server. */
  setAdminSocket(path: string): void;
  close(): Promise<void>;
};

export class DatabaseUnavailableError extends Error {}

export type OpenOptions =
  | {
      kind: 'pglite';
      dataDir?: string | undefined;
      lock?: boolean;
      sharedBuffers?: string;
      /** A new database's files, from `dumpDataDir` of another (the tests' migrated template): no initdb. */
      loadDataDir?: Blob;
    }
  | { kind: 'postgres'; url: string; appUrl?: string | undefined; poolMax?: number; preparedStatements?: boolean };

const INT8_OID = 20;

export async function openDatabase(options: OpenOptions): Promise<Database> {
  return options.kind === 'pglite' ? openPGlite(options) : openPostgres(options);
}

/**
 * PostgreSQL's shared_buffers for an embedded database opened for a moment (a CLI command, a test):
 * PGlite sets up the whole buffer pool as it starts, and the default 128 MB is most of that start.
 */
export const BRIEF_SHARED_BUFFERS = '16MB';

/**
 * shared_buffers of the embedded server. PGlite touches the whole pool, so PostgreSQL's default of
 * 128 MB would be most of the server's memory, for a database meant for a demo or a small desk whose
 * working set is a few megabytes (a large desk runs on PostgreSQL, DATABASE_URL).
 */
export const SERVER_SHARED_BUFFERS = '32MB';

async function openPGlite({ dataDir, lock = true, sharedBuffers, loadDataDir }: Extract<OpenOptions, { kind: 'pglite' }>): Promise<Database> {
  const dir = dataDir ? resolve(dataDir) : undefined;
  if (dir) mkdirSync(dir, { recursive: true });
  const held = dir && lock ? acquireLock(dir) : undefined;
  try {
    const pglite = await PGlite.create(dir ? join(dir, 'pglite') : undefined, {
      parsers: { [INT8_OID]: (value: string) => Number(value) },
      ...(sharedBuffers ? { startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`] } : {}),
      ...(loadDataDir ? { loadDataDir } : {}),
    });
    const db = new Kysely<DB>({ dialect: new PGliteDialect(pglite) });
    return {
      kind: 'pglite',
      label: dir ? `embedded database in ${dir}` : 'in-memory embedded database',
      owner: db,
      app: db,
      setAdminSocket: (path) => held?.setAdminSocket(path),
      close: async () => {
        await db.destroy();
        held?.release();
      },
    };
  } catch (error) {
    held?.release();
    throw error;
  }
}

async function openPostgres(options: Extract<OpenOptions, { kind: 'postgres' }>): Promise<Database> {
  const prepared = options.preparedStatements ?? true;
  const owner = postgresKysely(options.url, options.poolMax, prepared);
  const app = options.appUrl ? postgresKysely(options.appUrl, options.poolMax, prepared) : owner;
  const close = async () => {
    await owner.destroy();
    if (app !== owner) await app.destroy();
  };
  try {
    await sql`select 1`.execute(owner);
  } catch (error) {
    await close();
    throw new DatabaseUnavailableError(`Cannot reach PostgreSQL at ${redact(options.url)}: ${(error as Error).message}`);
  }
  return { kind: 'postgres', label: `PostgreSQL at ${redact(options.url)}`, url: options.url, owner, app, setAdminSocket: () => {}, close };
}

function postgresKysely(url: string, max = 10, prepared = true): Kysely<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    connectionTimeoutMillis: 5000,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === INT8_OID ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  // Nor may a checked-out client's: pg emits 'error' on a client that loses its connection between
  // two statements of a transaction (held across other I/O), where the pool listens no more. The
  // transaction's next statement fails instead, and the pool discards the client on release.
  pool.on('connect', (client) => client.on('error', () => {}));
  if (prepared) prepareStatements(pool);
  // After prepareStatements: it wraps what that one set up.
  deferBegin(pool);
  return new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
}

/** The URL without its password, for messages and logs. */
export function redact(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '(unparseable URL)';
  }
}
