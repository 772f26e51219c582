import type { Database } from '../../db/database.ts';
import { catalogVersion, loadSnapshot, type CatalogSnapshot } from './snapshot.ts';

/**
 * The catalog as this process sees it: a snapshot in memory, so resolving a host costs a map lookup.
 * Changes made here reload it at once; changes made by other processes bump `catalog_state.version`,
 * which every instance checks at most once per `ttlMs`, in the background of the request that notices.
 */
export class Catalog {
  #snapshot: CatalogSnapshot;
  #checkedAt = Date.now();
  #checking: Promise<void> | undefined;

  private constructor(readonly database: Database, private readonly ttlMs: number, snapshot: CatalogSnapshot) {
    this.#snapshot = snapshot;
  }

  static async load(database: Database, ttlMs = 1000): Promise<Catalog> {
    return new Catalog(database, ttlMs, await loadSnapshot(database));
  }

  /** The current snapshot; may be up to `ttlMs` old for changes made by other processes. */
  snapshot(): CatalogSnapshot {
    if (Date.now() - this.#checkedAt >= this.ttlMs && !this.#checking) {
      this.#checking = this.#checkVersion().finally(() => (this.#checking = undefined));
    }
    return this.#snapshot;
  }

  /** Reloads now: after a change made by this process, and in tests. */
  async refresh(): Promise<CatalogSnapshot> {
    this.#snapshot = await loadSnapshot(this.database);
    this.#checkedAt = Date.now();
    return this.#snapshot;
  }

  async #checkVersion(): Promise<void> {
    try {
      if ((await catalogVersion(this.database)) !== this.#snapshot.version) await this.refresh();
      this.#checkedAt = Date.now();
    } catch {
      // The database is unreachable: keep serving the last snapshot; /readyz reports the outage.
    }
  }
}
