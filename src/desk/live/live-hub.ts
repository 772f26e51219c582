import { listenTo, type Subscription } from '../../db/notify-listener.ts';
import { AppError } from '../../errors.ts';
import type { Shards } from '../../tenancy/placement/shards.ts';
import type { DeskContext } from '../desk-context.ts';
import { parseDeskEvent, visibleEvent, type LiveEvent, type RawDeskEvent } from './visible-event.ts';

/** One open stream: whose it is, how to read as it, and where its events go. */
export type LiveSubscriber = {
  /** The session (or API key) it belongs to, for the limit per session. */
  readonly owner: string;
  /** The subscriber's desk context, fresh for each event (the catalog as it is now, nothing remembered). */
  context(): DeskContext;
  /** A ticket changed that the subscriber may read; `resync` after the listener missed notifications. */
  send(event: LiveEvent | { kind: 'resync' }): void;
  /** Ends the stream (server shutdown). */
  close(): void;
};

export type LiveLimits = {
  /** Streams one session (or API key) may hold at once: a few tabs. */
  readonly perSession: number;
  /** Streams one process holds at once. */
  readonly perProcess: number;
};

export const LIVE_LIMITS: LiveLimits = { perSession: 8, perProcess: 1000 };

type Log = { warn(obj: object, msg: string): void; info(obj: object, msg: string): void };

type Entry = { subscriber: LiveSubscriber; queue: Promise<void> };

/** The listening on one shard's database: connected once at least, and its subscription once made. */
type ShardListener = { subscription?: Subscription; everConnected: boolean };

/**
 * The desk's live events for this process: one LISTEN on the `tenantdesk_desk` channel of each
 * database that holds tenants an open stream reads (the pool, and every silo such a tenant lives
 * in, on whichever server: decision 0136), opened with the first stream that needs it and kept
 * until the process stops; fanned out to every open stream after the scoped re-read of
 * `visibleEvent`, in the order each database sent them, one stream's reads never waiting on another's.
 */
export class LiveHub {
  #entries = new Set<Entry>();
  #shards = new Map<string, ShardListener>();
  #waiters: (() => void)[] = [];

  constructor(
    private readonly shards: Shards,
    private readonly limits: LiveLimits = LIVE_LIMITS,
    private readonly log?: Log,
  ) {}

  get streams(): number {
    return this.#entries.size;
  }

  /** Whether notifications are being heard now, from every database listened to. */
  get listening(): boolean {
    return this.#shards.size > 0 && [...this.#shards.values()].every((l) => l.subscription?.connected ?? false);
  }

  /** Adds a stream, or refuses it (RATE_LIMITED) over the limits; returns how to remove it. */
  subscribe(subscriber: LiveSubscriber): () => void {
    const owned = [...this.#entries].filter((e) => e.subscriber.owner === subscriber.owner).length;
    if (owned >= this.limits.perSession) throw new AppError('RATE_LIMITED', `This session already has ${owned} live update streams open; close a tab, or wait for one to end.`);
    if (this.#entries.size >= this.limits.perProcess) throw new AppError('RATE_LIMITED', 'This server holds as many live update streams as it may; try again in a moment.');
    const entry: Entry = { subscriber, queue: Promise.resolve() };
    this.#entries.add(entry);
    for (const shard of shardsRead(subscriber.context())) if (!this.#shards.has(shard)) this.#listen(shard);
    return () => void this.#entries.delete(entry);
  }

  /** Resolves once notifications are heard (at once if they are), or after `timeoutMs` regardless. */
  whenListening(timeoutMs: number): Promise<void> {
    if (this.listening) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      this.#waiters.push(() => (clearTimeout(timer), resolve()));
    });
  }

  /** Ends every stream (their clients fall back to polling, then reconnect to another server). */
  closeAll(): void {
    for (const entry of this.#entries) entry.subscriber.close();
    this.#entries.clear();
  }

  async stop(): Promise<void> {
    this.closeAll();
    const listeners = [...this.#shards.values()];
    this.#shards.clear();
    // The database may be closed already (tests close it first): nothing is left to stop then.
    await Promise.all(listeners.map((l) => l.subscription?.stop().catch(() => undefined)));
  }

  #listen(shard: string): void {
    const listener: ShardListener = { everConnected: false };
    this.#shards.set(shard, listener);
    void (async () => {
      const database = await this.shards.get(shard);
      // An embedded silo is heard in process: it must stay open while it is listened to.
      if (database.listenInProcess) this.shards.hold(shard);
      const subscription = await listenTo(database, 'desk', {
        notified: (payload) => this.#dispatch(payload),
        connected: () => this.#connected(listener),
        ...(this.log ? { log: this.log } : {}),
      });
      if (this.#shards.get(shard) === listener) listener.subscription = subscription;
      else await subscription.stop();
      this.#wakeIfListening();
    })().catch((error: Error) => {
      // A silo that cannot be reached now: the next stream that reads it tries again.
      this.log?.warn({ err: error.message, shard }, 'live events of this shard are not heard');
      if (this.#shards.get(shard) === listener) this.#shards.delete(shard);
    });
  }

  #connected(listener: ShardListener): void {
    // After a reconnection, what changed while deaf is unknown: every stream reloads what it shows.
    if (listener.everConnected) for (const entry of this.#entries) entry.subscriber.send({ kind: 'resync' });
    listener.everConnected = true;
    this.#wakeIfListening();
  }

  #wakeIfListening(): void {
    if (this.listening) for (const wake of this.#waiters.splice(0)) wake();
  }

  #dispatch(payload: string): void {
    const event = parseDeskEvent(payload);
    if (!event) return;
    for (const entry of this.#entries) entry.queue = entry.queue.then(() => this.#deliver(entry, event));
  }

  async #deliver(entry: Entry, event: RawDeskEvent): Promise<void> {
    if (!this.#entries.has(entry)) return;
    try {
      const visible = await visibleEvent(entry.subscriber.context(), event);
      if (visible && this.#entries.has(entry)) entry.subscriber.send(visible);
    } catch (error) {
      // A read that failed (the database restarting) must not end the stream: the client reloads.
      this.log?.warn({ err: (error as Error).message }, 'live event not delivered; the stream is told to reload');
      entry.subscriber.send({ kind: 'resync' });
    }
  }
}

/** The databases holding what a subscriber reads: the pool, and the shard of each tenant it reads (and its move's target). */
function shardsRead(desk: DeskContext): Set<string> {
  const read = desk.access.read;
  const tenants = read === 'all' ? [...desk.catalog.byId.values()] : read.flatMap((id) => desk.catalog.byId.get(id) ?? []);
  return new Set(['pool', ...tenants.flatMap((t) => (t.move ? [t.shard, t.move.to] : [t.shard]))]);
}
