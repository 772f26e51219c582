import { randomUUID } from 'node:crypto';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, listObjects, type Row } from '../tenancy/data-access.ts';
import { jobCompanion } from '../jobs/enqueue.ts';
import { deliverWebhook } from './deliver-webhook-job.ts';
import { routesFor } from './webhook-routes.ts';

/** The events a subscription may ask for. Internal notes are opt-in: only a subscription naming `thread.note_added` gets them. */
export const WEBHOOK_EVENTS = ['ticket.created', 'ticket.updated', 'ticket.status_changed', 'thread.reply_added', 'thread.note_added', 'contact.created', 'kb.article_published'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/**
 * A ticket as an event carries it: what identifies it and its state, never its custom fields, notes
 * or internal assignment details, so a receiver learns no more than the help desk's own notification would.
 */
export function ticketPayload(ticket: Row): Row {
  return { id: ticket.id, number: ticket.number, subject: ticket.subject, status: ticket.status, requesterId: ticket.requester_id, createdAt: ticket.created_at, updatedAt: ticket.updated_at };
}

/** The payload's name of each column a change may touch; the other columns are never named in an event. */
const PAYLOAD_FIELD_OF_COLUMN: Record<string, string> = { subject: 'subject', status_id: 'status', requester_id: 'requesterId' };

/**
 * Which of the payload's own fields a ticket change touched. Columns the payload does not carry
 * (assignee, team, tags, custom fields...) are left out: their mere names would tell a receiver what
 * agents did, and the payload promises nothing beyond what the ticket's customer reads.
 */
export function changedTicketFields(columns: string[]): string[] {
  return columns.flatMap((column) => (PAYLOAD_FIELD_OF_COLUMN[column] ? [PAYLOAD_FIELD_OF_COLUMN[column]] : []));
}

export type EmitOptions = {
  /** One event fanned out to several tenants keeps one id (the receivers' de-duplication key). */
  readonly eventId?: string;
  /** Only the tenant's own subscriptions, or only the provider's all-readable ones. */
  readonly only?: 'tenant' | 'all-readable';
};

/**
 * Records `event` for every active subscription it feeds, each delivery row written with its
 * sending job in the transaction of the change (the outbox): the change and its deliveries commit
 * together, and once committed every delivery is attempted even if this process dies.
 *
 * Which subscriptions may want it comes from the catalog snapshot's routes (decision 0166): a
 * tenant with none costs the change no query. The tenant's own subscriptions are then read in the
 * change's transaction (tenant boundary: only the changed object's own tenant's); the service
 * provider's all-readable ones (decision 0164) are fed when their access reads this tenant, their
 * delivery a row of this tenant naming the provider's subscription.
 */
export async function emitWebhookEvent(tx: TenancyContext, tenantId: number | null, event: WebhookEvent, data: Row, options: EmitOptions = {}): Promise<void> {
  if (tenantId === null) return;
  const routes = routesFor(tx.catalog, tx.settings, tenantId, event).filter((r) => !options.only || r.scope === options.only);
  if (!routes.length) return;
  const own = routes.some((r) => r.scope === 'tenant')
    ? (await listObjects(tx, 'webhookSubscription', { where: { tenant_id: tenantId, active: true, tenant_scope: 'tenant' }, limit: 100 })).filter((s) => (s.events as string[]).includes(event))
    : [];
  const targets: Row[] = [...own.map((s) => ({ subscription_id: s.id })), ...routes.filter((r) => r.scope === 'all-readable').map((r) => ({ provider_subscription_id: r.subscriptionId }))];
  if (!targets.length) return;
  const eventId = options.eventId ?? randomUUID();
  const payload = JSON.stringify({ id: eventId, type: event, timestamp: new Date().toISOString(), tenant: tx.catalog.byId.get(tenantId)?.slug ?? null, data });
  for (const target of targets) {
    const id = randomUUID();
    await createObject(tx, 'webhookDelivery', { id, tenant_id: tenantId, ...target, event_id: eventId, event, payload }, { with: [jobCompanion(deliverWebhook, { tenantId, payload: { deliveryId: id }, key: `${id}:1` })] });
  }
}
