import type { Database } from '../../db/database.ts';
import { isConnectionError } from '../../db/errors.ts';
import { AppError } from '../../errors.ts';
import { CatalogListener } from './catalog-listener.ts';
import { runningDeadline } from '../../db/running-deadline.ts';
import { catalogVersion, loadSnapshot, type CatalogSnapshot } from './snapshot.ts';

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

export type CatalogOptions = {
  /**
   * The staleness bound (HOST_CACHE_TTL_MS): a request is answered from a snapshot known to hold
   * every catalog change committed more than this long before it arrived, or refused.
   */
  readonly maxStalenessMs?: number;
  /** The clock the bound is measured by (tests set their own). */
  readonly now?: () => number;
};

/**
 * The catalog as this process sees it: a snapshot in memory, so resolving a host costs a map lookup.
 * Changes made here reload it at once. Changes made by other processes (every change to a catalog
 * table bumps `catalog_state.version` and notifies, migration 0030) reach a process that `watch`es
 * through LISTEN at once, and through a version check every third of the bound in any case: the
 * check is what proves the snapshot current (a listener connection can die silently), the
 * notification what makes a change arrive in milliseconds rather than at the next check.
 *
 * `confirmedAt` is when the last read that found the snapshot current was sent: the snapshot
 * holds every change committed before it. `current()` serves a request only when that is within
 * the bound, waits for a check otherwise, and refuses (503 CATALOG_STALE) when none succeeds.
 */
export class Catalog {
  #snapshot: CatalogSnapshot;
  #confirmedAt: number;
  #checking: Promise<void> | undefined;
  #reloading: Promise<void> | undefined;
  #reloadAgain = false;
  #listener: CatalogListener | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  readonly maxStalenessMs: number;
  readonly #now: () => number;

  private constructor(
    readonly database: Database,
    snapshot: CatalogSnapshot,
    confirmedAt: number,
    options: CatalogOptions,
  ) {
    this.#snapshot = snapshot;
    this.#confirmedAt = confirmedAt;
    this.maxStalenessMs = options.maxStalenessMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  static async load(database: Database, options: CatalogOptions | number = {}): Promise<Catalog> {
    const opts = typeof options === 'number' ? { maxStalenessMs: options } : options;
    const sent = (opts.now ?? Date.now)();
    return new Catalog(database, await loadSnapshot(database), sent, opts);
  }

  /**
   * The snapshot as it is, however old: for work that is not a request's answer (CLI commands,
   * background jobs, which carry their own checks). A process that does not watch checks the
   * version in the background once per bound, as the request that notices it goes on.
   */
  snapshot(): CatalogSnapshot {
    if (!this.#heartbeat && this.#now() - this.#confirmedAt >= this.maxStalenessMs) void this.#check().catch(() => undefined);
    return this.#snapshot;
  }

  /**
   * The snapshot a request may be answered from: one holding every change committed more than
   * the bound before now. Embedded (PGlite), this process is the only one and makes every change
   * itself, so its snapshot is always current.
   */
  async current(): Promise<CatalogSnapshot> {
    if (this.database.kind === 'pglite') return this.#snapshot;
    const arrived = this.#now();
    if (arrived - this.#confirmedAt <= this.maxStalenessMs) return this.#snapshot;
    // A check already under way may have been sent too long ago: then one more, sent after arrival.
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        await this.#check();
      } catch (error) {
        // The database itself out of reach says more to a client, and to an operator, than "stale":
        // error-reply.ts answers it 503 DATABASE_UNAVAILABLE, as for any query.
        if (isConnectionError(error)) throw error;
        break;
      }
      if (arrived - this.#confirmedAt <= this.maxStalenessMs) return this.#snapshot;
    }
    throw new AppError('CATALOG_STALE', 'This server cannot confirm it knows the current tenants and their hosts right now. Try again shortly.');
  }

  /** Reloads now: after a change made by this process, and in tests. */
  async refresh(): Promise<CatalogSnapshot> {
    const sent = this.#now();
    const snapshot = await loadSnapshot(this.database);
    // Two reloads may finish out of order: never go back to an older version.
    if (snapshot.version >= this.#snapshot.version) this.#snapshot = snapshot;
    this.#confirmedAt = Math.max(this.#confirmedAt, sent);
    return this.#snapshot;
  }

  /**
   * Keeps the snapshot current from now on (PostgreSQL; a no-op on PGlite): LISTEN for changes
   * on a connection of its own, reconnecting with back-off (and reloading on each reconnect, for
   * what it missed), and a version check every third of the bound.
   */
  watch(log?: Log): void {
    if (this.database.kind === 'pglite' || this.#heartbeat || !this.database.systemConnection) return;
    this.#listener = new CatalogListener(this.database.systemConnection, {
      changed: (version) => {
        if (version > this.#snapshot.version) this.#reload();
      },
      connected: () => this.#reload(),
      ...(log ? { log } : {}),
    });
    this.#listener.start();
    this.#heartbeat = setInterval(() => void this.#check().catch(() => undefined), Math.max(50, Math.floor(this.maxStalenessMs / 3))).unref();
  }

  /** Stops watching (at shutdown). */
  async close(): Promise<void> {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
    await this.#listener?.stop();
    this.#listener = undefined;
  }

  /** Whether the listener connection is up (for /readyz and tests). */
  get listening(): boolean {
    return this.#listener?.connected ?? false;
  }

  /**
   * Compares the version with the snapshot's, on the listener's connection when it is up, else on
   * the pool; one at a time. One that has not answered within the bound (a second at least: a bound
   * of 0 checks at every request) counts as failed, so a hung connection never holds the next.
   */
  #check(): Promise<void> {
    const limitMs = Math.max(this.maxStalenessMs, 1000);
    this.#checking ??= within(
      (async () => {
        const sent = this.#now();
        const version = (await this.#listener?.version(Math.floor(limitMs / 2)).catch(() => undefined)) ?? (await catalogVersion(this.database));
        if (version === this.#snapshot.version) this.#confirmedAt = Math.max(this.#confirmedAt, sent);
        else await this.refresh();
      })(),
      limitMs,
    ).finally(() => (this.#checking = undefined));
    return this.#checking;
  }

  /** One reload at a time; a notification arriving meanwhile makes one more. */
  #reload(): void {
    if (this.#reloading) {
      this.#reloadAgain = true;
      return;
    }
    this.#reloading = (async () => {
      do {
        this.#reloadAgain = false;
        await this.refresh().catch(() => undefined);
      } while (this.#reloadAgain);
    })().finally(() => (this.#reloading = undefined));
  }
}

/**
 * `work`, or a rejection once `ms` of this process's running time have passed (`work` may still
 * finish: its effects are kept). Running time, not wall time: a starved event loop must not turn a
 * check that was answered into a refusal (the bound itself is kept by `confirmedAt`, not by this).
 */
function within(work: Promise<void>, ms: number): Promise<void> {
  let cancel = () => undefined as void;
  const late = new Promise<never>((_, reject) => (cancel = runningDeadline(ms, () => reject(new Error(`no answer within ${ms} ms`)))));
  work.catch(() => undefined);
  return Promise.race([work, late]).finally(() => cancel());
}
