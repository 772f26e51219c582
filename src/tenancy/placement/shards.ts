import { join, resolve } from 'node:path';
import { openDatabase, type Database } from '../../db/database.ts';
import { openForRequests } from '../../db/request-login.ts';
import { AppError } from '../../errors.ts';
import type { CatalogSnapshot } from '../catalog/snapshot.ts';

/**
 * The databases tenants live in. The pool is always open; a silo's database is opened on first
 * use, and closed again when idle (or when too many are open), so a thousand silo tenants do not
 * mean a thousand open connection pools. The bound on connections is
 * pool + maxOpen × poolMaxPerShard.
 */
export type ShardsOptions = {
  /** Where embedded silos live (DATA_DIR); undefined for an in-memory installation. */
  readonly dataDir?: string | undefined;
  readonly maxOpen?: number;
  readonly idleMs?: number;
  /**
   * A database handed out within this time is never closed: work that holds it (a scatter across
   * every silo) must finish first. So `maxOpen` may be exceeded for that long, never by closing a
   * database in use.
   */
  readonly graceMs?: number;
  readonly poolMaxPerShard?: number;
  /**
   * Server silos serve as their request login (request-login.ts), like the pool of a server;
   * false: as the owner of their URL (commands run by the operator, tests).
   */
  readonly requestLogin?: boolean;
  /** The clock idle and grace times are measured by (tests set their own). */
  readonly now?: () => number;
};

type OpenShard = { database: Promise<Database>; lastUsed: number };

export class Shards {
  readonly #open = new Map<string, OpenShard>();
  // In-memory silos (tests, throw-away installs) have nowhere to be reopened from: never closed.
  readonly #memory = new Map<string, Database>();
  // Silos kept open whatever their use (an embedded one whose live events are listened to in process).
  readonly #held = new Set<string>();
  // Started with the first silo opened: an installation (or a test) with none keeps no timer.
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly pool: Database,
    readonly options: ShardsOptions = {},
  ) {}

  /** The database of a shard by name (the pool's is 'pool'). */
  async get(name: string): Promise<Database> {
    if (name === 'pool') return this.pool;
    const memory = this.#memory.get(name);
    if (memory) return memory;
    let shard = this.#open.get(name);
    if (!shard) {
      shard = { database: this.#openShard(name), lastUsed: this.#now() };
      this.#timer ??= setInterval(() => void this.closeIdle(), Math.max(1000, (this.options.idleMs ?? 60_000) / 2)).unref();
      this.#open.set(name, shard);
      shard.database.catch(() => this.#open.delete(name));
    }
    shard.lastUsed = this.#now();
    if (this.#open.size > (this.options.maxOpen ?? 50)) await this.#closeOverflow();
    return shard.database;
  }

  /** The database holding a tenant's rows. */
  async forTenant(catalog: CatalogSnapshot, tenantId: number): Promise<Database> {
    const tenant = catalog.byId.get(tenantId);
    if (!tenant) throw new AppError('NOT_FOUND', 'This tenant was not found.');
    return this.get(tenant.shard);
  }

  /**
   * Runs `work` with a shard's database as its owner (migrations): a server silo is opened for it
   * as its URL's owner and closed after; the pool and embedded silos are the database `get` gives,
   * whose owner connection they always have (an embedded directory is opened once per process).
   */
  async withOwner<T>(name: string, work: (database: Database) => Promise<T>): Promise<T> {
    if (name === 'pool' || !this.options.requestLogin) return work(await this.get(name));
    const row = await this.pool.system.selectFrom('shards').select(['location']).where('name', '=', name).executeTakeFirst();
    if (!row?.location.startsWith('postgres')) return work(await this.get(name));
    const database = await openLocation(row.location, { ...this.options, requestLogin: false });
    try {
      return await work(database);
    } finally {
      await database.close();
    }
  }

  /** Keeps a shard's database open once opened, never closed as idle or overflow (until `forget`). */
  hold(name: string): void {
    if (name !== 'pool') this.#held.add(name);
  }

  /** Keeps an in-memory silo database (created by provisioning) for the life of this process. */
  adoptMemory(name: string, database: Database): void {
    this.#memory.set(name, database);
  }

  async #openShard(name: string): Promise<Database> {
    const row = await this.pool.system.selectFrom('shards').select(['location']).where('name', '=', name).executeTakeFirst();
    if (!row) throw new AppError('SERVICE_UNAVAILABLE', `Shard "${name}" is not in the shard map.`);
    try {
      return await openLocation(row.location, this.options);
    } catch (error) {
      if (error instanceof AppError) throw error;
      // The cause (which server, which error) is for the logs; the caller learns it may retry.
      throw Object.assign(new AppError('SERVICE_UNAVAILABLE', 'The data of some tenants cannot be reached right now. Try again shortly.'), { cause: error });
    }
  }

  #now(): number {
    return (this.options.now ?? Date.now)();
  }

  get #graceMs(): number {
    return this.options.graceMs ?? 10_000;
  }

  async #closeOverflow(): Promise<void> {
    const max = this.options.maxOpen ?? 50;
    const closable = [...this.#open.entries()]
      .filter(([name, shard]) => !this.#held.has(name) && this.#now() - shard.lastUsed >= this.#graceMs)
      .sort((a, b) => a[1].lastUsed - b[1].lastUsed);
    while (this.#open.size > max && closable.length) await this.#close(closable.shift()![0]);
  }

  /** Closes silo databases unused for `idleMs` (and at least the grace time). */
  async closeIdle(): Promise<void> {
    const idleMs = Math.max(this.options.idleMs ?? 60_000, this.#graceMs);
    for (const [name, shard] of [...this.#open]) if (!this.#held.has(name) && this.#now() - shard.lastUsed >= idleMs) await this.#close(name);
  }

  async #close(name: string): Promise<void> {
    const shard = this.#open.get(name);
    this.#open.delete(name);
    await shard?.database.then((db) => db.close()).catch(() => undefined);
  }

  /** Closes and forgets a shard's database (before it is dropped). */
  async forget(name: string): Promise<void> {
    this.#held.delete(name);
    await this.#close(name);
    await this.#memory.get(name)?.close();
    this.#memory.delete(name);
  }

  /** How many silo databases are open now (for tests and metrics). */
  get openCount(): number {
    return this.#open.size;
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    for (const name of [...this.#open.keys()]) await this.#close(name);
    for (const db of this.#memory.values()) await db.close();
    this.#memory.clear();
  }
}

/** Opens a shard's database from its location in the shard map. */
export async function openLocation(location: string, options: ShardsOptions): Promise<Database> {
  if (location.startsWith('pglite:')) {
    if (!options.dataDir) throw new AppError('SERVICE_UNAVAILABLE', 'An embedded silo needs a data directory.');
    return openDatabase({ kind: 'pglite', dataDir: siloDir(options.dataDir, location.slice('pglite:'.length)), lock: false });
  }
  if (location.startsWith('pglite-memory:')) {
    throw new AppError('SERVICE_UNAVAILABLE', 'This in-memory silo belonged to another process and is gone.');
  }
  if (location.startsWith('postgres://') || location.startsWith('postgresql://')) {
    const opened = { kind: 'postgres' as const, url: location, poolMax: options.poolMaxPerShard ?? 2 };
    return options.requestLogin ? openForRequests(opened) : openDatabase(opened);
  }
  throw new AppError('SERVICE_UNAVAILABLE', `Cannot open shard location "${location.split(':')[0]}".`);
}

export function siloDir(dataDir: string, relative: string): string {
  return join(resolve(dataDir), 'shards', relative);
}
