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
import { poolWait } from '../metrics/metrics.ts';
import { SYSTEM_ROLE } from './rls.ts';

/**
 * One PostgreSQL database holding the help-desk schema: the embedded PGlite one, or one on a server.
 * Three connections, by what they may do:
 * - `owner` runs migrations and what needs the tables' owner (DDL). It is the login of DATABASE_URL.
 * - `system` runs the installation's own unscoped work (catalog, sessions, sign-in, jobs, moves):
 *   every row, no DDL. On a server with a request login (request-login.ts) it is that login with
 *   the `tenantdesk_system` role; otherwise it is `owner`.
 * - `app` runs every scoped query, always under the `tenantdesk_app` role (see scope.ts), so
 *   row-level security applies whichever pool it comes from. With a request login, a connection
 *   of `app` left without its role (RESET ROLE) is a login that may read no table at all.
 * PGlite has one in-process session, so the three are the same connection there.
 */
export type Database = {
  readonly kind: 'pglite' | 'postgres';
  readonly label: string;
  /** The server URL it was opened with (PostgreSQL only), for creating silos next to it. */
  readonly url?: string;
  readonly owner: Kysely<DB>;
  readonly system: Kysely<DB>;
  readonly app: Kysely<DB>;
  /** Whether `app` and `system` log in as a request login, not as the owner (PostgreSQL only). */
  readonly requestLogin: boolean;
  /**
   * How a connection of its own (outside the pools, e.g. the catalog's LISTEN) logs in as `system`
   * does: the request login taking the system role, or the owner where there is no request login.
   */
  readonly systemConnection?: { readonly connectionString: string; readonly options?: string };
  /**
   * PGlite only: LISTEN on the in-process database (a server's notifications come through a
   * connection of its own instead, `notify-listener.ts`). Resolves to the function that stops it.
   */
  readonly listenInProcess?: (channel: string, notified: (payload: string) => void) => Promise<() => Promise<void>>;
  /** Called by the admin socket once it listens, so CLI commands can find the running server. */
  setAdminSocket(path: string): void;
  /** The connection pools' use now (PostgreSQL; none for the embedded database), for /metrics. */
  poolStats(): PoolStats[];
  close(): Promise<void>;
};

export class DatabaseUnavailableError extends Error {}

/** One pool's connections: open (busy + idle) and idle, and the queries waiting for one. */
export type PoolStats = { readonly pool: 'owner' | 'app' | 'system'; readonly total: number; readonly idle: number; readonly waiting: number };

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
      system: db,
      app: db,
      requestLogin: false,
      listenInProcess: async (channel, notified) => {
        const stop = await pglite.listen(channel, notified);
        return () => stop();
      },
      setAdminSocket: (path) => held?.setAdminSocket(path),
      poolStats: () => [],
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
  const ownerPool = postgresPool(options.url, 'owner', options.poolMax, prepared);
  const appPool = options.appUrl ? postgresPool(options.appUrl, 'app', options.poolMax, prepared) : undefined;
  // The request login's unscoped connections take the system role as they log in (a startup
  // parameter): no statement of theirs ever runs as the bare login or as the owner.
  const systemPool = options.appUrl ? postgresPool(options.appUrl, 'system', options.poolMax, prepared, SYSTEM_ROLE) : undefined;
  const kysely = (pool: pg.Pool) => new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  const owner = kysely(ownerPool);
  const app = appPool ? kysely(appPool) : owner;
  const system = systemPool ? kysely(systemPool) : owner;
  const close = async () => {
    await owner.destroy();
    if (app !== owner) await app.destroy();
    if (system !== owner) await system.destroy();
  };
  const stats = (pool: PoolStats['pool'], p: pg.Pool): PoolStats => ({ pool, total: p.totalCount, idle: p.idleCount, waiting: p.waitingCount });
  const poolStats = () => [stats('owner', ownerPool), ...(appPool ? [stats('app', appPool)] : []), ...(systemPool ? [stats('system', systemPool)] : [])];
  try {
    await sql`select 1`.execute(owner);
  } catch (error) {
    await close();
    throw new DatabaseUnavailableError(`Cannot reach PostgreSQL at ${redact(options.url)}: ${(error as Error).message}`);
  }
  return {
    kind: 'postgres',
    label: `PostgreSQL at ${redact(options.url)}`,
    url: options.url,
    owner,
    system,
    app,
    requestLogin: options.appUrl !== undefined,
    systemConnection: options.appUrl ? { connectionString: options.appUrl, options: `-c role=${SYSTEM_ROLE}` } : { connectionString: options.url },
    setAdminSocket: () => {},
    poolStats,
    close,
  };
}

function postgresPool(url: string, name: PoolStats['pool'], max = 10, prepared = true, role?: string): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    ...(role ? { options: `-c role=${role}` } : {}),
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
  timeConnectionWaits(pool, name);
  return pool;
}

/** Observes how long each checkout of a connection waited (tenantdesk_db_pool_wait_seconds). */
function timeConnectionWaits(pool: pg.Pool, name: PoolStats['pool']): void {
  const connect = pool.connect.bind(pool);
  const wait = poolWait.labels(name);
  // Kysely checks out with the promise form; the callback form is passed through untimed.
  pool.connect = ((callback?: Parameters<pg.Pool['connect']>[0]) => {
    if (callback) return connect(callback);
    const started = performance.now();
    return connect().then((client) => {
      wait.observe((performance.now() - started) / 1000);
      return client;
    });
  }) as pg.Pool['connect'];
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
