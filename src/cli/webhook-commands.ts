import { AppError } from '../errors.ts';
import type { AdminOptions } from './admin-commands.ts';
import { admin, tenantId } from './admin-context.ts';
import type { Runtime } from './runtime.ts';

/** A tenant's webhook subscriptions (`webhook ...`), run here or in the server; each loads the webhook modules when it runs. */
type AdminCommand = (rt: Runtime, options: AdminOptions) => Promise<string>;

const text = (o: AdminOptions, key: string): string | undefined => (typeof o[key] === 'string' && o[key] ? (o[key] as string) : undefined);
const slugOf = (rt: Runtime, id: unknown) => (typeof id === 'number' ? rt.catalog.snapshot().byId.get(id)?.slug : undefined) ?? '?';

export const webhookCommands: Record<string, AdminCommand> = {
  'webhook.add': async (rt, o) => {
    const [{ createSubscription }, { mailDeps }] = await Promise.all([import('../webhooks/webhook-subscriptions.ts'), import('../mail/mail-context.ts')]);
    const tenant = text(o, 'tenant');
    const url = text(o, 'url');
    const events = Array.isArray(o.event) ? (o.event as string[]) : [];
    if (!tenant || !url) throw new AppError('VALIDATION_FAILED', '--tenant and --url are required.', !tenant ? 'tenant' : 'url');
    const deps = mailDeps(rt);
    const created = await createSubscription(await admin(rt), { outbound: deps.outbound, box: deps.box }, { tenantId: await tenantId(rt, tenant), url, events, ...(text(o, 'description') ? { description: text(o, 'description')! } : {}) });
    await rt.catalog.refresh();
    // The secret alone on the last line, once, as `apikey create` prints its key.
    return `Webhook ${created.id as string} of ${tenant} sends ${(created.events as string[]).join(', ')} to ${created.url as string}, signed with this secret (shown once):\n${created.secret}`;
  },
  'webhook.list': async (rt, o) => {
    const { listSubscriptions } = await import('../webhooks/webhook-subscriptions.ts');
    const only = text(o, 'tenant') ? await tenantId(rt, text(o, 'tenant')!) : undefined;
    const rows = (await listSubscriptions(await admin(rt))).filter((w) => only === undefined || w.tenant_id === only);
    return ['id\ttenant\turl\tevents\tactive', ...rows.map((w) => [w.id, slugOf(rt, w.tenant_id), w.url, (w.events as string[]).join(','), w.active ? 'yes' : `no${w.disabled_reason ? ` (${w.disabled_reason as string})` : ''}`].join('\t'))].join('\n');
  },
  'webhook.remove': async (rt, o) => {
    const { deleteSubscription } = await import('../webhooks/webhook-subscriptions.ts');
    await deleteSubscription(await admin(rt), String(o.id));
    await rt.catalog.refresh();
    return `Webhook ${String(o.id)} removed.`;
  },
  'webhook.deliveries': async (rt, o) => {
    const { listDeliveries } = await import('../webhooks/webhook-subscriptions.ts');
    const rows = await listDeliveries(await admin(rt), String(o.id));
    return ['id\tevent\tstate\tattempts\tlast status\tlast error', ...rows.map((d) => [d.id, d.event, d.state, d.attempts, d.last_status ?? '-', d.last_error ?? ''].join('\t'))].join('\n');
  },
  'webhook.redeliver': async (rt, o) => {
    const { redeliver } = await import('../webhooks/webhook-subscriptions.ts');
    await redeliver(await admin(rt), String(o.id), String(o.delivery));
    return `Delivery ${String(o.delivery)} will be sent again.`;
  },
};
