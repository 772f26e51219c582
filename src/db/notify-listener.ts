import pg from 'pg';
import { runningDeadline } from './running-deadline.ts';
import { redact, type Database } from './database.ts';

/**
 * The channels the database notifies, each with its LISTEN statement written out whole (no SQL
 * text is built from strings: test/db/sql-text.test.ts) and the application_name of its
 * listening connection, to find it in pg_stat_activity.
 * - `catalog`: every catalog change, with the new catalog version (migration 0030).
 * - `desk`: a ticket written or a thread entry added, with ids only (migration 0040).
 * - `credentials`: what a verified API key stands for changed, with the tenant's id (migration 0065).
 */
export const NOTIFY_CHANNELS = {
  catalog: { channel: 'tenantdesk_catalog', listen: 'listen tenantdesk_catalog', name: 'tenantdesk catalog listener' },
  desk: { channel: 'tenantdesk_desk', listen: 'listen tenantdesk_desk', name: 'tenantdesk desk events listener' },
  credentials: { channel: 'tenantdesk_credentials', listen: 'listen tenantdesk_credentials', name: 'tenantdesk credentials listener' },
} as const;

export type NotifyChannel = keyof typeof NOTIFY_CHANNELS;

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

export type ListenerEvents = {
  /** A notification on the channel, as it was committed. */
  notified(payload: string): void;
  /** The connection is (again) listening: whatever changed while it was down must be read. */
  connected(): void;
  log?: Log;
};

const FIRST_RETRY_MS = 100;
const LAST_RETRY_MS = 5000;

/**
 * One connection of its own that LISTENs to one channel. Not from the pool: a pooled client
 * is handed to queries and released, and a LISTEN belongs to its session. When the connection
 * fails it is opened again after 0.1 s, then twice as long each time, up to 5 s.
 */
export class NotifyListener {
  #client: pg.Client | undefined;
  #ready = false;
  #stopped = false;
  #retryMs = FIRST_RETRY_MS;
  #timer: NodeJS.Timeout | undefined;
  /** Gives up the current connection and schedules the next (set for each connection). */
  #lose: ((error?: Error) => void) | undefined;

  constructor(
    private readonly login: { readonly connectionString: string; readonly options?: string },
    private readonly channel: NotifyChannel,
    private readonly events: ListenerEvents,
  ) {}

  get connected(): boolean {
    return this.#ready;
  }

  start(): void {
    void this.#connect();
  }

  /**
   * Runs `query` on the listening connection, which proves it alive; throws when it is down, and
   * gives the connection up when it has not answered within `timeoutMs` (a half-open TCP
   * connection would otherwise hang until the kernel notices, while notifications are lost).
   */
  async probe<T extends pg.QueryResultRow>(query: string, timeoutMs: number): Promise<T[]> {
    const client = this.#client;
    if (!client || !this.#ready) throw new Error(`the ${NOTIFY_CHANNELS[this.channel].name} is not connected`);
    // Counted in running time: a starved event loop must not give up a connection that answered.
    let cancel = () => undefined as void;
    const silent = new Promise<never>((_, reject) => {
      cancel = runningDeadline(timeoutMs, () => {
        const error = new Error(`the ${NOTIFY_CHANNELS[this.channel].name} did not answer within ${timeoutMs} ms`);
        if (this.#client === client) this.#lose?.(error);
        reject(error);
      });
    });
    try {
      const result = await Promise.race([client.query<T>(query), silent]);
      return result.rows;
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
    const { channel, listen, name } = NOTIFY_CHANNELS[this.channel];
    const client = new pg.Client({ ...this.login, connectionTimeoutMillis: 5000, keepAlive: true, application_name: name });
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
      this.events.log?.warn({ err: error?.message, retryMs: this.#retryMs, database: redact(this.login.connectionString) }, `${name} lost; reconnecting`);
      this.#timer = setTimeout(() => void this.#connect(), this.#retryMs).unref();
      this.#retryMs = Math.min(this.#retryMs * 2, LAST_RETRY_MS);
    };
    this.#lose = onLost;
    client.on('error', onLost);
    client.on('end', () => onLost());
    client.on('notification', (message) => {
      if (message.channel === channel) this.events.notified(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(listen);
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

/** A channel listened to on either kind of database. */
export type Subscription = { readonly connected: boolean; stop(): Promise<void> };

/**
 * Listens to `channel` of `database`: on PostgreSQL with a `NotifyListener` (several processes
 * hear each other's commits), on PGlite in process (one process is the whole desk).
 */
export async function listenTo(database: Database, channel: NotifyChannel, events: ListenerEvents): Promise<Subscription> {
  if (database.listenInProcess) {
    const stop = await database.listenInProcess(NOTIFY_CHANNELS[channel].channel, events.notified);
    events.connected();
    return { connected: true, stop };
  }
  if (!database.systemConnection) throw new Error(`${database.label} has no connection to listen on`);
  const listener = new NotifyListener(database.systemConnection, channel, events);
  listener.start();
  return {
    get connected() {
      return listener.connected;
    },
    stop: () => listener.stop(),
  };
}
