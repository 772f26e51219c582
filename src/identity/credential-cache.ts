import type { Database } from '../db/database.ts';
import { listenTo, type Subscription } from '../db/notify-listener.ts';

/**
 * Verified API keys kept in memory, so that an integration's request costs no credential query
 * (issue 25, docs/decisions/0172). Safe because every change to what a kept key stands for (the key
 * revoked, its contact or contact's role changed, the role edited) notifies `tenantdesk_credentials`
 * at commit from the database itself (migration 0065), whichever process or command made it; each
 * process drops that tenant's keys when told. A key is kept only while this process listens to both
 * databases it was read from (the tenant's and the pool, for public roles): a listener that lost its
 * connection has missed notifications, so nothing is kept, and all is dropped, until it is back.
 *
 * A read that began before a change and ends after its notification must not be kept: a counter
 * moves at every notification, and a read is kept only if it did not move while the read ran.
 * Entries also expire after `maxAgeMs`.
 */
export type KeptKey<T> = { readonly tenantId: number; readonly value: T };

/** Every cache of this process, for `credentialsChanged`. */
const caches = new Set<CredentialCache>();

/**
 * Tells this process's caches, at once, that what `tenantId`'s keys stand for changed (null: a public
 * role). The use cases that change it call this after their commit, so that their own process never
 * answers from a key it has just revoked while the database's notification is on its way; other
 * processes, and changes made otherwise, are told by the notification.
 */
export function credentialsChanged(tenantId: number | null): void {
  for (const cache of caches) cache.changed(tenantId === null ? '*' : String(tenantId));
}

type Entry = { readonly tenantId: number; readonly value: unknown; readonly keptAt: number };
type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

export class CredentialCache {
  readonly #entries = new Map<string, Entry>();
  /** Moves at every notification and every loss of a listener. */
  #changes = 0;
  readonly #listening = new Map<Database, Promise<Subscription>>();
  /** The subscriptions that are up, once started; one whose `connected` went false has missed notifications. */
  readonly #subscriptions = new Map<Database, Subscription>();
  readonly #heard = new Set<Database>();
  #stopped = false;

  constructor(private readonly options: { maxAgeMs?: number; maxEntries?: number; log?: Log } = {}) {
    caches.add(this);
  }

  /**
   * The value kept under `key` (a digest of the presented credential) when it may be used, else
   * `read()`'s, kept when it is safe to. `read` answers undefined for a credential that does not
   * verify: nothing is kept for it.
   */
  async get<T>(databases: readonly Database[], key: string, read: () => Promise<KeptKey<T> | undefined>): Promise<T | undefined> {
    const listening = this.#listeningTo(databases);
    const entry = this.#entries.get(key);
    if (entry && listening && Date.now() - entry.keptAt < (this.options.maxAgeMs ?? 300_000)) return entry.value as T;
    if (entry) this.#entries.delete(key);
    const before = this.#changes;
    const found = await read();
    if (!found) return undefined;
    if (listening && this.#listeningTo(databases) && this.#changes === before) this.#keep(key, found);
    return found.value;
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    caches.delete(this);
    this.#entries.clear();
    const subscriptions = [...this.#listening.values()];
    this.#listening.clear();
    await Promise.all(subscriptions.map(async (s) => (await s.catch(() => undefined))?.stop().catch(() => undefined)));
  }

  /** Whether every database's notifications are heard now; starts listening to those not listened to yet. */
  #listeningTo(databases: readonly Database[]): boolean {
    if (this.#stopped) return false;
    let all = true;
    for (const database of databases) {
      if (!this.#listening.has(database)) this.#listening.set(database, this.#listen(database));
      const subscription = this.#subscriptions.get(database);
      if (subscription && !subscription.connected && this.#heard.delete(database)) this.#dropAll();
      if (!this.#heard.has(database)) all = false;
    }
    return all;
  }

  #listen(database: Database): Promise<Subscription> {
    const subscription = listenTo(database, 'credentials', {
      notified: (payload) => this.changed(payload),
      // Connected (again): what changed while it was not is unknown.
      connected: () => {
        this.#dropAll();
        this.#heard.add(database);
      },
      ...(this.options.log ? { log: this.options.log } : {}),
    });
    subscription.then((s) => void this.#subscriptions.set(database, s), () => void this.#listening.delete(database));
    return subscription;
  }

  /** A notification's payload: a tenant's id, or `*` for all. */
  changed(payload: string): void {
    const tenantId = Number(payload);
    if (payload === '*' || !Number.isInteger(tenantId)) return this.#dropAll();
    this.#changes++;
    for (const [key, entry] of this.#entries) if (entry.tenantId === tenantId) this.#entries.delete(key);
  }

  #dropAll(): void {
    this.#changes++;
    this.#entries.clear();
  }

  #keep(key: string, found: KeptKey<unknown>): void {
    if (this.#entries.size >= (this.options.maxEntries ?? 10_000)) this.#dropAll();
    this.#entries.set(key, { tenantId: found.tenantId, value: found.value, keptAt: Date.now() });
  }
}
