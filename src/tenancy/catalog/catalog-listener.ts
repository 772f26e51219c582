import pg from 'pg';
import { redact } from '../../db/database.ts';
import { runningDeadline } from './running-deadline.ts';

/** The channel every catalog change notifies, with the new catalog version (migration 0030). */
export const CATALOG_CHANNEL = 'tenantdesk_catalog';
/** Written out whole: no SQL text is built from strings outside src/db (test/db/sql-text.test.ts). */
const LISTEN = 'listen tenantdesk_catalog';
/** Its connection's application_name, to find it in pg_stat_activity. */
export const LISTENER_NAME = 'tenantdesk catalog listener';

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

export type ListenerEvents = {
  /** A catalog change committed: the version it made. */
  changed(version: number): void;
  /** The connection is (again) listening: whatever changed while it was down must be read. */
  connected(): void;
  log?: Log;
};

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5000;

/**
 * One connection of its own that LISTENs to catalog changes. Not from the pool: a pooled client
 * is handed to queries and released, and a LISTEN belongs to its session. When the connection
 * fails it is opened again after 0.1 s, then twice as long each time, up to 5 s.
 */
export class CatalogListener {
  #client: pg.Client | undefined;
  #ready = false;
  #stopped = false;
  #retryMs = FIRST_RETRY_MS;
  #timer: NodeJS.Timeout | undefined;
  /** Gives up the current connection and schedules the next (set for each connection). */
  #lose: ((error?: Error) => void) | undefined;

  constructor(
    private readonly login: { readonly connectionString: string; readonly options?: string },
    private readonly events: ListenerEvents,
  ) {}

  get connected(): boolean {
    return this.#ready;
  }

  start(): void {
    void this.#connect();
  }

  /**
   * The catalog version read on the listening connection, which proves it alive; throws when it is
   * down, and gives the connection up when it has not answered within `timeoutMs` (a half-open
   * TCP connection would otherwise hang until the kernel notices, while notifications are lost).
   */
  async version(timeoutMs: number): Promise<number> {
    const client = this.#client;
    if (!client || !this.#ready) throw new Error('the catalog listener is not connected');
    // Counted in running time: a starved event loop must not give up a connection that answered.
    let cancel = () => undefined as void;
    const silent = new Promise<never>((_, reject) => {
      cancel = runningDeadline(timeoutMs, () => {
        const error = new Error(`the catalog listener did not answer within ${timeoutMs} ms`);
        if (this.#client === client) this.#lose?.(error);
        reject(error);
      });
    });
    try {
      const result = await Promise.race([client.query<{ version: string }>('select version::text as version from catalog_state'), silent]);
      return Number(result.rows[0]!.version);
    } finally {
      cancel();
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    this.#ready = false;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    if (this.#stopped) return;
    const client = new pg.Client({ ...this.login, connectionTimeoutMillis: 5000, keepAlive: true, application_name: LISTENER_NAME });
    // A lost connection emits 'error' and/or 'end': either one schedules a new connection, once.
    let lost = false;
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#client === client) {
        this.#client = undefined;
        this.#ready = false;
      }
      void client.end().catch(() => undefined);
      if (this.#stopped) return;
      this.events.log?.warn({ err: error?.message, retryMs: this.#retryMs, database: redact(this.login.connectionString) }, 'catalog listener lost; reconnecting');
      this.#timer = setTimeout(() => void this.#connect(), this.#retryMs).unref();
      this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
    };
    this.#lose = onLost;
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === CATALOG_CHANNEL) this.events.changed(Number(message.payload));
    });
    try {
      await client.connect();
      await client.query(LISTEN);
    } catch (error) {
      onLost(error as Error);
      return;
    }
    if (this.#stopped || lost) return void client.end().catch(() => undefined);
    this.#client = client;
    this.#ready = true;
    this.#retryMs = FIRST_RETRY_MS;
    this.events.connected();
  }
}
