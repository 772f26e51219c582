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
 * messages (every message claimed in the last hour, whatever became of it); otherwise returns how
 * many messages `sender` sent the tenant in the last hour, for the per-sender limit, which
 * quarantines rather than defers and so is decided after the claim. One statement for both counts
 * (each is a round trip per message). Runs in the message's unit of work, before its claim:
 * messages of the same unit of work (an IMAP batch) count too. Each count stops at its limit, so
 * it reads at most that many index entries.
 */
export async function hourlyMailCounts(ctx: TenancyContext, tenantId: number, sender: { address: string; limit: number }): Promise<{ bySender: number }> {
  const limit = tenantLimits(ctx.settings, ctx.catalog.byId.get(tenantId)).mailPerHour;
  const result = await sql<{ tenant: number; sender: number }>`select
      (select count(*)::integer from (select 1 from mail_messages
        where tenant_id = ${tenantId} and direction = 'in' and created_at > now() - interval '1 hour' limit ${Math.max(limit, 0)}) taken) as tenant,
      (select count(*)::integer from (select 1 from mail_messages
        where tenant_id = ${tenantId} and direction = 'in' and sender = ${sender.address} and created_at > now() - interval '1 hour' limit ${sender.limit}) sent) as sender`
    .execute(await scopedTx(ctx));
  const counts = result.rows[0]!;
  if (limit > 0 && counts.tenant >= limit) throw new TenantMailLimitReached(limit);
  return { bySender: counts.sender };
}
