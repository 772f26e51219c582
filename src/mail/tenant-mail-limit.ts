import { sql } from 'kysely';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { tenantLimits } from '../tenancy/tenant-limits.ts';
import { scopedTx } from './mail-context.ts';

/**
 * A tenant's mailboxes took their hourly limit of messages. Temporary by nature: the transports
 * defer the message (SMTP 451, `mail pipe` EX_TEMPFAIL, IMAP leaves it unseen) rather than
 * quarantine it, and it is taken once the hour has room again.
 */
export class TenantMailLimitReached extends AppError {
  constructor(limit: number) {
    super('RATE_LIMITED', `This help desk takes at most ${limit} messages an hour (TENANT_MAIL_PER_HOUR); try again later.`);
  }
}

/**
 * Throws TenantMailLimitReached when the tenant's mailboxes have taken its hourly limit of inbound
 * messages (every message claimed in the last hour, whatever became of it). Runs in the message's
 * unit of work, before its claim: messages of the same unit of work (an IMAP batch) count too. The
 * count stops at the limit, so it reads at most that many index entries.
 */
export async function assertTenantMailWithinHour(ctx: TenancyContext, tenantId: number): Promise<void> {
  const limit = tenantLimits(ctx.settings, ctx.catalog.byId.get(tenantId)).mailPerHour;
  if (limit <= 0) return;
  const result = await sql<{ n: number }>`select count(*)::integer as n from (select 1 from mail_messages
    where tenant_id = ${tenantId} and direction = 'in' and created_at > now() - interval '1 hour' limit ${limit}) taken`.execute(await scopedTx(ctx));
  if (result.rows[0]!.n >= limit) throw new TenantMailLimitReached(limit);
}
