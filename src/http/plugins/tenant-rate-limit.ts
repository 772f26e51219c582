import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { tenantLimits } from '../../tenancy/tenant-limits.ts';
import type { ApiRateLeases } from '../../tenancy/api-rate-leases.ts';

export type RateLimitOptions = {
  /**
   * How long a refusal is held before it is answered (default 1 s). A client sending back to back
   * on N connections is then held to about N requests a second, instead of as many 429s as the
   * server can write, which would take the event loop from other tenants (docs/decisions/0060-shared-tenant-rate-limit.md).
   */
  readonly refusalDelayMs?: number;
  /** At most this many refusals are held at once; past it, they are answered at once. */
  readonly maxHeld?: number;
};

/**
 * Per-tenant API rate limit: one token bucket per tenant of the request's host (so the service
 * provider's staff, who work from its host whatever tenants they read, count against the service
 * provider). Registered right after host resolution, before the body is parsed and before
 * authentication. The bucket is the installation's, in PostgreSQL, spent from leases held in
 * memory (tenancy/api-rate-leases.ts): most requests, and refusals while the bucket is known to be
 * empty, cost a map lookup and no database work. Over the limit: 429 RATE_LIMITED with Retry-After.
 */
export async function tenantRateLimit(app: FastifyInstance, options: { settings: TenancySettings; leases: ApiRateLeases } & RateLimitOptions): Promise<void> {
  const { leases } = options;
  const delayMs = options.refusalDelayMs ?? 1000;
  const maxHeld = options.maxHeld ?? 10_000;
  let held = 0;
  app.addHook('onRequest', (request, reply, done) => {
    // The tenant as the host resolved it, own limits included: no lookup beyond the host's.
    const limits = tenantLimits(options.settings, request.tenant);
    if (limits.apiRate <= 0) return done();
    const answer = (waitMs: number) => {
      if (waitMs === 0) return done();
      const seconds = Math.max(1, Math.ceil(waitMs / 1000));
      void reply.header('retry-after', String(seconds));
      const refusal = new AppError('RATE_LIMITED', `This help desk is receiving more requests than its limit of ${limits.apiRate} a second; try again in ${seconds} s.`);
      if (delayMs <= 0 || held >= maxHeld) return done(refusal);
      held++;
      setTimeout(() => {
        held--;
        done(refusal);
      }, delayMs);
    };
    const taken = leases.take(request.tenant.id, limits.apiRate, limits.apiBurst);
    // From memory (nearly always): answered in this tick; a lease taken from PostgreSQL: when it is back.
    if (typeof taken === 'number') answer(taken);
    else taken.then(answer, done);
  });
}
