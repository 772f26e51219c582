import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import type { MailTransport } from '../db/schema.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { countObjects, listObjects, type Row } from '../tenancy/data-access.ts';
import { scopedTx } from './mail-context.ts';

export type QuarantineEntry = {
  tenantId: number;
  mailboxId: string | null;
  reason: string;
  transport: MailTransport;
  raw: Buffer;
  sender?: string;
  subject?: string;
};

export const sha256 = (raw: Buffer): string => createHash('sha256').update(raw).digest('hex');

/**
 * Keeps a message raw in its tenant's quarantine, inside the caller's unit of work. The same bytes
 * quarantined twice (an SMTP retry) are kept once.
 */
export async function quarantineMessage(ctx: TenancyContext, entry: QuarantineEntry): Promise<void> {
  const tx = await scopedTx(ctx);
  await sql`insert into mail_quarantine (tenant_id, mailbox_id, reason, transport, sender, subject, raw, raw_sha256, size)
    values (${entry.tenantId}, ${entry.mailboxId}, ${entry.reason.slice(0, 1000)}, ${entry.transport}, ${(entry.sender ?? '').slice(0, 320)},
      ${(entry.subject ?? '').slice(0, 500)}, ${entry.raw}, ${sha256(entry.raw)}, ${entry.raw.length})
    on conflict (tenant_id, raw_sha256) do nothing`.execute(tx);
  ctx.log?.warn({ tenant: entry.tenantId, reason: entry.reason, size: entry.raw.length }, 'mail: message quarantined');
}

/** The quarantined messages the caller's tenants hold, newest first, without their bytes. */
export async function listQuarantine(ctx: TenancyContext, limit = 100): Promise<Row[]> {
  const rows = await listObjects(ctx, 'mailQuarantine', { where: { released_at: null }, orderBy: 'created_at', descending: true, limit });
  return rows.map(({ raw: _raw, ...rest }) => rest);
}

/** How many messages wait in quarantine across the context's tenants (the health endpoint's count). */
export async function countQuarantine(ctx: TenancyContext): Promise<number> {
  return countObjects(ctx, 'mailQuarantine', { released_at: null });
}
