import type { SignInThrottle } from '../config/config.ts';
import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';

/**
 * Failed sign-ins are counted per account (tenant + email, whether or not such an account exists,
 * so a lockout tells nothing) and per client address, in PostgreSQL so every app server agrees.
 */
const accountKey = (tenantId: number, email: string) => `account:${tenantId}:${email}`;
const ipKey = (ip: string) => `ip:${ip}`;

export class ThrottledError extends AppError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', `Too many failed sign-ins. Try again in ${retryAfterSeconds} seconds.`);
  }
}

export async function assertNotThrottled(database: Database, limits: SignInThrottle, tenantId: number, email: string, ip: string): Promise<void> {
  const since = new Date(Date.now() - limits.windowMs);
  for (const [key, max] of [[accountKey(tenantId, email), limits.maxPerAccount], [ipKey(ip), limits.maxPerIp]] as const) {
    const rows = await database.system
      .selectFrom('sign_in_failures')
      .select('failed_at')
      .where('throttle_key', '=', key)
      .where('failed_at', '>', since)
      .orderBy('failed_at', 'desc')
      .limit(max)
      .execute();
    if (rows.length >= max) {
      // Locked until the oldest of the last `max` failures leaves the window.
      const unlockAt = new Date(rows[rows.length - 1]!.failed_at).getTime() + limits.windowMs;
      throw new ThrottledError(Math.max(1, Math.ceil((unlockAt - Date.now()) / 1000)));
    }
  }
}

export async function recordSignInFailure(database: Database, tenantId: number, email: string, ip: string): Promise<void> {
  await database.system
    .insertInto('sign_in_failures')
    .values([
      { tenant_id: tenantId, throttle_key: accountKey(tenantId, email) },
      { tenant_id: tenantId, throttle_key: ipKey(ip) },
    ])
    .execute();
}

export async function clearAccountFailures(database: Database, tenantId: number, email: string): Promise<void> {
  await database.system.deleteFrom('sign_in_failures').where('throttle_key', '=', accountKey(tenantId, email)).execute();
}
