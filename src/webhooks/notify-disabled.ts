import { hasPermission } from '../identity/permissions.ts';
import type { Role } from '../db/schema.ts';
import { queueMail } from '../mail/queue-mail.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { listObjects, type Row } from '../tenancy/data-access.ts';

/**
 * Tells the tenant's administrators (active contacts of the tenant holding a role with
 * `admin.tenant`) that a subscription was disabled, by mail queued in the caller's unit of work.
 * Returns how many were told.
 */
export async function notifyWebhookDisabled(ctx: TenancyContext, subscription: Row, reason: string): Promise<number> {
  const tenantId = subscription.tenant_id as number;
  const adminRoles = new Set((await listObjects(ctx, 'role', { limit: 1000 })).filter((r) => hasPermission(r as Role, 'admin.tenant')).map((r) => r.id));
  const held = (await listObjects(ctx, 'contactRole', { where: { tenant_id: tenantId }, limit: 5000 })).filter((m) => adminRoles.has(m.role_id));
  const admins = (await listObjects(ctx, 'contact', { where: { tenant_id: tenantId, status: 'active' }, limit: 5000 })).filter((c) => held.some((m) => m.contact_id === c.id));
  const url = String(subscription.url);
  for (const admin of admins) {
    await queueMail(ctx, {
      tenantId,
      to: admin.email as string,
      kind: 'webhook-disabled',
      subject: `Webhook to ${url} disabled`,
      html: `<p>The webhook to <strong>${url.replace(/[<>&"]/g, '')}</strong> was disabled: ${reason.replace(/[<>&"]/g, '')}.</p><p>Fix the receiver, then enable the webhook again in the administration (Webhooks); failed deliveries can be sent again from its delivery log.</p>`,
    });
  }
  return admins.length;
}
