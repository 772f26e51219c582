import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';
import type { TenancySettings } from '../../tenancy/settings.ts';
import { tenantLimits } from '../../tenancy/tenant-limits.ts';
import { TokenBuckets } from '../token-buckets.ts';

export type RateLimitOptions = {
  /**
   * How long a refusal is held before it is answered (default 1 s). A client sending back to back
   * on N connections is then held to about N requests a second, instead of as many 429s as the
   * server can write, which would take the event loop from other tenants (docs/decisions.md).
   */
  readonly refusalDelayMs?: number;
  /** At most this many refusals are held at once; past it, they are answered at once. */
  readonly maxHeld?: number;
};

/**
 * Per-tenant API rate limit: one token bucket per tenant of the request's host (so the service
 * provider's staff, who work from its host whatever tenants they read, count against the service
 * provider). Registered right after host resolution, before the body is parsed and before
 * authentication: a refused request costs a map lookup and no database work. Over the limit: 429
 * RATE_LIMITED with Retry-After. The buckets live in this process (docs/decisions.md says why).
 */
export async function tenantRateLimit(app: FastifyInstance, options: { settings: TenancySettings } & RateLimitOptions): Promise<void> {
  const buckets = new TokenBuckets();
  const delayMs = options.refusalDelayMs ?? 1000;
  const maxHeld = options.maxHeld ?? 10_000;
  let held = 0;
  app.addHook('onRequest', (request, reply, done) => {
    // The tenant as the host resolved it, own limits included: no lookup beyond the host's.
    const limits = tenantLimits(options.settings, request.tenant);
    const waitMs = limits.apiRate > 0 ? buckets.take(request.tenant.id, limits.apiRate, limits.apiBurst) : 0;
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
  });
}
