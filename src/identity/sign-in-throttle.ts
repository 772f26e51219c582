import type { SignInThrottle } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { signInDelayMs } from './sign-in-delay.ts';

/**
 * Failed sign-ins are counted per account and client (tenant + email + client address, whether or
 * not such an account exists, so a delay tells nothing) and per client address, in PostgreSQL so
 * every app server agrees. Never per account alone: a stranger failing on someone's account slows
 * down the stranger, while the account's owner, from another client, signs in as usual.
 */
const accountClientKey = (tenantId: number, email: string, ip: string) => `account-client:${tenantId}:${email}:${ip}`;
const ipKey = (ip: string) => `ip:${ip}`;

export class ThrottledError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many failed sign-ins. Try again in ${retryAfterSeconds} seconds.`);
  }
}

export async function assertNotThrottled(database: Database, limits: SignInThrottle, tenantId: number, email: string, ip: string): Promise<void> {
  const since = new Date(Date.now() - limits.windowMs);
  const keys = [
    [accountClientKey(tenantId, email, ip), limits.maxPerAccountClient],
    [ipKey(ip), limits.maxPerIp],
  ] as const;
  for (const [key, free] of keys) {
    const row = await database.system
      .selectFrom('sign_in_failures')
      .select((eb) => [eb.fn.countAll<number>().as('failures'), eb.fn.max('failed_at').as('last')])
      .where('throttle_key', '=', key)
      .where('failed_at', '>', since)
      .executeTakeFirstOrThrow();
    const delay = signInDelayMs(Number(row.failures), free, limits.windowMs);
    if (delay === 0 || !row.last) continue;
    const waitMs = new Date(row.last).getTime() + delay - Date.now();
    if (waitMs > 0) throw new ThrottledError(Math.max(1, Math.ceil(waitMs / 1000)));
  }
}

export async function recordSignInFailure(database: Database, tenantId: number, email: string, ip: string): Promise<void> {
  await database.system
    .insertInto('sign_in_failures')
    .values([
      { tenant_id: tenantId, throttle_key: accountClientKey(tenantId, email, ip) },
      { tenant_id: tenantId, throttle_key: ipKey(ip) },
    ])
    .execute();
}

/** After a successful sign-in: this client's failures on the account are forgiven (not the client's others). */
export async function clearAccountFailures(database: Database, tenantId: number, email: string, ip: string): Promise<void> {
  await database.system.deleteFrom('sign_in_failures').where('throttle_key', '=', accountClientKey(tenantId, email, ip)).execute();
}
