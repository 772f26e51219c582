import { randomUUID } from 'node:crypto';
import { AppError } from '../errors.ts';
import { deleteAudited, recordAuditInScope } from '../identity/audit.ts';
import { enqueue } from '../jobs/enqueue.ts';
// The unit of work's transaction with its write scope applied, for a job enqueued beside the rows it writes.
import { scopedTx } from '../mail/mail-context.ts';
import { requireSecretBox, type SecretBox } from '../mail/secret-box.ts';
import { OutboundError, type Outbound } from '../net/guarded-connect.ts';
import type { AccessSpec } from '../tenancy/access.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, findObject, inTransaction, listObjects, updateObject, type Row } from '../tenancy/data-access.ts';
import { deliverWebhook } from './deliver-webhook-job.ts';
import { newWebhookSecret } from './standard-webhooks.ts';
import { WEBHOOK_EVENTS } from './webhook-events.ts';
import { removeRoute, saveRoute } from './webhook-routes.ts';

export type SubscriptionDeps = { readonly outbound: Outbound; readonly box: SecretBox | undefined };
export type NewSubscription = {
  tenantId: number;
  url: string;
  events: string[];
  description?: string;
  /**
   * `all-readable`: the service provider's one subscription to the events of every tenant `readAccess`
   * (its active role's) reads, later ones included (decision 0164). Default: the tenant's own events.
   */
  tenantScope?: 'tenant' | 'all-readable';
  readAccess?: AccessSpec;
};

/**
 * The target URL, refused when the installation's address policy would refuse it (loopback, private
 * and link-local ranges unless OUTBOUND_ALLOW lets them); checked again at every delivery, since a
 * name may resolve elsewhere later.
 */
async function targetUrl(outbound: Outbound, url: string): Promise<string> {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !['http:', 'https:'].includes(parsed.protocol) || parsed.username || parsed.password) throw new AppError('VALIDATION_FAILED', 'The url is the https:// address that receives the events.', 'url');
  try {
    await outbound.resolve(parsed.hostname.replace(/^\[(.*)\]$/, '$1'), 'webhook');
  } catch (error) {
    if (error instanceof OutboundError) throw new AppError('VALIDATION_FAILED', error.message, 'url');
    throw error;
  }
  return parsed.href;
}

function events(values: string[]): string[] {
  const unknown = values.find((e) => !(WEBHOOK_EVENTS as readonly string[]).includes(e));
  if (unknown !== undefined) throw new AppError('VALIDATION_FAILED', `"${unknown}" is not an event; the events are ${WEBHOOK_EVENTS.join(', ')}.`, 'events');
  if (!values.length) throw new AppError('VALIDATION_FAILED', 'Name at least one event.', 'events');
  return [...new Set(values)];
}

/** The columns saying which tenants' events a new subscription gets; an all-readable one is the service provider's alone. */
function scopeColumns(ctx: TenancyContext, input: NewSubscription): Row {
  if ((input.tenantScope ?? 'tenant') === 'tenant') return {};
  if (input.tenantId !== ctx.catalog.serviceProvider?.id || !input.readAccess) {
    throw new AppError('VALIDATION_FAILED', 'Only the service provider subscribes to the events of every tenant it reads ("all-readable"), at its own tenant.', 'tenantScope');
  }
  return { tenant_scope: 'all-readable', read_access: input.readAccess.kind, read_tenant_id: input.readAccess.tenantId ?? null, read_group_id: input.readAccess.groupId ?? null };
}

/**
 * Subscribes a URL for a tenant the role writes; the answer carries the signing secret, shown this
 * once. Its route goes to the catalog first (webhook-routes.ts), so no event after the answer is missed.
 */
export async function createSubscription(ctx: TenancyContext, deps: SubscriptionDeps, input: NewSubscription): Promise<Row & { secret: string }> {
  const url = await targetUrl(deps.outbound, input.url);
  const secret = newWebhookSecret();
  const values = { id: randomUUID(), tenant_id: input.tenantId, url, events: events(input.events), description: input.description ?? '', secret_enc: requireSecretBox(deps.box, 'keep webhook signing secrets').encrypt(secret), ...scopeColumns(ctx, input) };
  await saveRoute(ctx.database, values);
  const created = await inTransaction(ctx, async (tx) => {
    const row = await createObject(tx, 'webhookSubscription', values);
    await recordAuditInScope(tx, { tenantId: input.tenantId, action: 'webhook.subscribed', objectType: 'webhookSubscription', objectId: row.id as string, data: { url, events: row.events, tenantScope: row.tenant_scope } });
    return row;
  }, input.tenantId).catch(async (error: unknown) => {
    await removeRoute(ctx.database, values.id);
    throw error;
  });
  return { ...created, secret };
}

/** A new signing secret, shown once; the old one stops signing at once. */
export async function rotateSecret(ctx: TenancyContext, deps: SubscriptionDeps, id: string): Promise<Row & { secret: string }> {
  const current = await findObject(ctx, 'webhookSubscription', id);
  const secret = newWebhookSecret();
  const updated = await inTransaction(ctx, async (tx) => {
    const row = await updateObject(tx, 'webhookSubscription', id, { secret_enc: requireSecretBox(deps.box, 'keep webhook signing secrets').encrypt(secret) });
    await recordAuditInScope(tx, { tenantId: current.tenant_id as number, action: 'webhook.secret_rotated', objectType: 'webhookSubscription', objectId: id, data: {} });
    return row;
  }, current.tenant_id as number);
  return { ...updated, secret };
}

export async function updateSubscription(ctx: TenancyContext, id: string, patch: { events?: string[]; description?: string; active?: boolean }): Promise<Row> {
  const current = await findObject(ctx, 'webhookSubscription', id);
  const columns: Row = {
    ...(patch.events ? { events: events(patch.events) } : {}),
    ...(patch.description !== undefined ? { description: patch.description } : {}),
    // Enabled again by hand: the count of failures starts over.
    ...(patch.active !== undefined ? { active: patch.active, ...(patch.active ? { failures_in_a_row: 0, disabled_reason: null } : {}) } : {}),
  };
  const updated = await inTransaction(ctx, (tx) => updateObject(tx, 'webhookSubscription', id, columns), current.tenant_id as number);
  await saveRoute(ctx.database, updated);
  return updated;
}

export async function deleteSubscription(ctx: TenancyContext, id: string): Promise<void> {
  await deleteAudited(ctx, 'webhookSubscription', id, 'webhook.unsubscribed', (row) => ({ url: row.url }));
  await removeRoute(ctx.database, id);
}

export const listSubscriptions = (ctx: TenancyContext): Promise<Row[]> => listObjects(ctx, 'webhookSubscription', { orderBy: 'created_at', limit: 1000 });
export const getSubscription = (ctx: TenancyContext, id: string): Promise<Row> => findObject(ctx, 'webhookSubscription', id);

/**
 * A subscription's deliveries, newest first; another tenant's subscription is NOT_FOUND. An
 * all-readable subscription's live in the tenants of their events, read across the shards.
 */
export async function listDeliveries(ctx: TenancyContext, subscriptionId: string, limit = 100): Promise<Row[]> {
  const subscription = await findObject(ctx, 'webhookSubscription', subscriptionId);
  const where = subscription.tenant_scope === 'all-readable' ? { provider_subscription_id: subscriptionId } : { tenant_id: subscription.tenant_id, subscription_id: subscriptionId };
  return listObjects(ctx, 'webhookDelivery', { where, orderBy: 'created_at', descending: true, limit });
}

/** Sends a delivery again now (a dead one too), keeping its event id so the receiver can de-duplicate. */
export async function redeliver(ctx: TenancyContext, subscriptionId: string, deliveryId: string): Promise<Row> {
  const delivery = await findObject(ctx, 'webhookDelivery', deliveryId);
  if ((delivery.subscription_id ?? delivery.provider_subscription_id) !== subscriptionId) throw new AppError('NOT_FOUND', 'This delivery was not found.');
  await findObject(ctx, 'webhookSubscription', subscriptionId);
  const tenantId = delivery.tenant_id as number;
  // The service provider's own delivery, kept in the event's tenant: sending it again writes only there, what its role may or may not write.
  const writer = delivery.provider_subscription_id ? { ...ctx, access: { ...ctx.access, write: [tenantId] } } : ctx;
  return inTransaction(writer, async (tx) => {
    const attempt = (delivery.attempts as number) + 1;
    await enqueue(await scopedTx(tx), deliverWebhook, { tenantId, payload: { deliveryId }, key: `${deliveryId}:${attempt}:manual:${Date.now()}` });
    await recordAuditInScope(tx, { tenantId, action: 'webhook.redelivered', objectType: 'webhookDelivery', objectId: deliveryId, data: { event: delivery.event } });
    return updateObject(tx, 'webhookDelivery', deliveryId, { state: 'pending', next_attempt_at: new Date() });
  }, tenantId);
}

/** As administrators see it: never the secret (only when created or rotated, as `secret`). */
export function presentSubscription(row: Row): Row {
  const { secret_enc: _secret, ...rest } = row;
  return rest;
}
