import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import type { Logger } from '../config/logger.ts';
import { TokenBuckets } from './token-buckets.ts';

/**
 * Per-tenant API rate limits held for the installation, whatever the number of processes
 * (docs/decisions/0060-shared-tenant-rate-limit.md). Each tenant has one token bucket in PostgreSQL
 * (`tenant_rate_buckets`, migration 0031). A process takes tokens from it a lease at a time and
 * spends them from memory, so most requests cost a map lookup, and one in `leaseSize` a round trip.
 *
 * Error bound: tokens are taken out of the shared bucket before they are spent, so the installation
 * never serves more than the bucket allows plus what the processes held unspent when a window
 * began: at most N processes x the lease size (the lease is at most `maxLease`, and about a tenth of
 * a second of the tenant's rate, so that a small rate is not hoarded by one process).
 *
 * A refusal from the database is remembered until a token will be there: a flood is refused from
 * memory, with one round trip per process each time the bucket could have refilled.
 */
export type ApiRateLeasesOptions = {
  /** The largest lease (tokens taken at once); 1 sends every request to the database. Default 20. */
  readonly maxLease?: number;
  /** At most this many tenants are remembered, the oldest dropped first (a dropped lease is lost, erring towards refusing). */
  readonly maxKeys?: number;
  readonly log?: Logger | undefined;
};

type Held = {
  /** Tokens leased from the shared bucket, not spent yet. */
  tokens: number;
  /** performance.now() until which the shared bucket is known to be empty. */
  emptyUntil: number;
  /** The lease being taken, which concurrent requests of the tenant wait for rather than take their own. */
  leasing?: Promise<boolean> | undefined;
};

export class ApiRateLeases {
  readonly #held = new Map<number, Held>();
  readonly #maxLease: number;
  readonly #maxKeys: number;
  // Used only while the database cannot be reached: limits per process, as before issue 19.
  readonly #fallback = new TokenBuckets();
  #warnedAt = -Infinity;

  constructor(private readonly database: Database, private readonly options: ApiRateLeasesOptions = {}) {
    this.#maxLease = Math.max(1, Math.floor(options.maxLease ?? 20));
    this.#maxKeys = options.maxKeys ?? 100_000;
  }

  /** Tokens a process takes at once for a tenant of `rate` requests a second. */
  leaseSize(rate: number, burst: number): number {
    return Math.max(1, Math.min(this.#maxLease, Math.floor(burst), Math.floor(rate / 10)));
  }

  /**
   * Takes a token for the tenant: 0 when there was one, else the milliseconds until there will be.
   * A number when answered from memory, a promise when a lease had to be taken.
   */
  take(tenantId: number, rate: number, burst: number): number | Promise<number> {
    const held = this.#get(tenantId);
    if (held.tokens >= 1) {
      held.tokens -= 1;
      return 0;
    }
    const wait = held.emptyUntil - performance.now();
    if (wait > 0) return wait;
    return this.#takeLeased(tenantId, held, rate, burst);
  }

  async #takeLeased(tenantId: number, held: Held, rate: number, burst: number): Promise<number> {
    for (;;) {
      if (held.tokens >= 1) {
        held.tokens -= 1;
        return 0;
      }
      const wait = held.emptyUntil - performance.now();
      if (wait > 0) return wait;
      held.leasing ??= this.#lease(tenantId, held, rate, burst).finally(() => (held.leasing = undefined));
      // Each turn either brings tokens (which concurrent waiters may spend first: then lease again) or an empty bucket.
      if (!(await held.leasing)) return this.#fallback.take(tenantId, rate, burst);
    }
  }

  /** Takes a lease from the shared bucket; false when the database could not be asked. */
  async #lease(tenantId: number, held: Held, rate: number, burst: number): Promise<boolean> {
    try {
      const { granted, tokens } = await takeLease(this.database, tenantId, rate, burst, this.leaseSize(rate, burst));
      held.tokens += granted;
      if (granted === 0) held.emptyUntil = performance.now() + ((1 - tokens) * 1000) / rate;
      return true;
    } catch (error) {
      // Unreachable database: limit in this process meanwhile rather than refuse every request; warn once a minute.
      if (performance.now() - this.#warnedAt > 60_000) {
        this.#warnedAt = performance.now();
        this.options.log?.warn({ err: error }, 'rate limit: the shared buckets cannot be read; limiting per process meanwhile');
      }
      return false;
    }
  }

  #get(tenantId: number): Held {
    let held = this.#held.get(tenantId);
    if (!held) {
      if (this.#held.size >= this.#maxKeys) this.#held.delete(this.#held.keys().next().value!);
      held = { tokens: 0, emptyUntil: 0 };
      this.#held.set(tenantId, held);
    }
    return held;
  }
}

/**
 * One statement: refills the tenant's shared bucket for the time elapsed (at most `burst` tokens)
 * and takes up to `lease` whole tokens out of it. Returns how many it took and what is left. The
 * row lock of the upsert makes concurrent leases from several processes take turns.
 */
export async function takeLease(database: Database, tenantId: number, rate: number, burst: number, lease: number): Promise<{ granted: number; tokens: number }> {
  const available = sql`least(${burst}::float8, b.tokens + greatest(0, extract(epoch from now() - b.refilled_at))::float8 * ${rate}::float8)`;
  const result = await sql<{ granted: number; tokens: number }>`insert into tenant_rate_buckets as b (tenant_id, tokens, granted, refilled_at)
      values (${tenantId}, ${burst}::float8 - least(floor(${burst}::float8), ${lease}), least(floor(${burst}::float8), ${lease}), now())
    on conflict (tenant_id) do update set
      granted = least(floor(${available}), ${lease}),
      tokens = ${available} - least(floor(${available}), ${lease}),
      refilled_at = greatest(b.refilled_at, now())
    returning granted, tokens`.execute(database.system);
  const row = result.rows[0]!;
  return { granted: Number(row.granted), tokens: Number(row.tokens) };
}
