import { handleJob, type JobHandler } from '../jobs/job-type.ts';
import { enqueue } from '../jobs/enqueue.ts';
// The unit of work's transaction with its write scope applied, for a job enqueued beside the rows it writes.
import { scopedTx } from '../mail/mail-context.ts';
import { guardedFetch } from '../net/guarded-fetch.ts';
import type { Outbound } from '../net/guarded-connect.ts';
import type { SecretBox } from '../mail/secret-box.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { AppError } from '../errors.ts';
import { findObject, inTransaction, updateObject, type Row } from '../tenancy/data-access.ts';
import { deliverWebhook } from './deliver-webhook-job.ts';
import { notifyWebhookDisabled } from './notify-disabled.ts';
import { webhookHeaders } from './standard-webhooks.ts';

export type WebhookDeps = { readonly outbound: Outbound; readonly box: SecretBox | undefined };

/** Retries go on this long after the event, then the delivery is dead. */
export const RETRY_WINDOW_MS = 24 * 3600_000;
/** Dead deliveries in a row that disable a subscription. */
export const FAILURES_TO_DISABLE = 5;
const FIRST_RETRY_MS = 60_000;
const MAX_RETRY_MS = 3600_000;

/** The wait after failed attempt `attempt` (1-based): a minute, doubling, at most an hour. */
export const retryDelayMs = (attempt: number): number => Math.min(FIRST_RETRY_MS * 2 ** (attempt - 1), MAX_RETRY_MS);

type Outcome = { ok: boolean; status: number | null; error: string | null };

/** One POST of the delivery's payload, signed; the outcome in a sentence, never a stack. */
async function post(deps: WebhookDeps, subscription: Row, delivery: Row): Promise<Outcome> {
  const body = JSON.stringify(delivery.payload);
  const secret = deps.box?.decrypt(subscription.secret_enc as string);
  if (!secret) return { ok: false, status: null, error: 'MAIL_SECRET is not set: the signing secret cannot be read.' };
  const headers = webhookHeaders(secret, delivery.event_id as string, Math.floor(Date.now() / 1000), body);
  try {
    const answer = await guardedFetch(deps.outbound, subscription.url as string, { method: 'POST', headers, body, what: 'webhook', signal: AbortSignal.timeout(deps.outbound.timeoutMs) });
    await answer.body?.cancel();
    return { ok: answer.status >= 200 && answer.status < 300, status: answer.status, error: answer.status >= 300 ? `The receiver answered ${answer.status}.` : null };
  } catch (error) {
    return { ok: false, status: null, error: error instanceof Error ? error.message : String(error) };
  }
}

/**
 * The context that acts on a delivery's subscription. A tenant's own subscription is in the job's
 * tenant; the service provider's all-readable one (decision 0164) in the provider's tenant, on the
 * job's database or another. Tenant boundary: the job reaches the subscriber's tenant alone, for
 * the subscription its own delivery goes to.
 */
async function subscriberContext(ctx: TenancyContext, subscriberTenantId: number): Promise<TenancyContext> {
  const access = { read: [subscriberTenantId], write: [subscriberTenantId], writePublic: false };
  if ((await ctx.shards.forTenant(ctx.catalog, subscriberTenantId)) === ctx.txDatabase) return { ...ctx, access };
  // Another database: its own unit of work, not atomic with this job's (a re-run may count one failure twice).
  const { tx: _tx, txDatabase: _database, ...outside } = ctx;
  return { ...outside, access };
}

/** The tenant holding a delivery's subscription, or undefined when the subscription was removed. */
function subscriberOf(ctx: TenancyContext, delivery: Row): number | undefined {
  if (delivery.subscription_id) return delivery.tenant_id as number;
  return ctx.catalog.webhookRoutes.find((r) => r.subscriptionId === delivery.provider_subscription_id)?.tenantId;
}

async function findSubscription(ctx: TenancyContext, id: string): Promise<Row | undefined> {
  return findObject(ctx, 'webhookSubscription', id).catch((error: unknown) => {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  });
}

async function subscriptionOf(ctx: TenancyContext, delivery: Row) {
  const subscriberTenant = subscriberOf(ctx, delivery);
  const subscriber = subscriberTenant === undefined ? undefined : await subscriberContext(ctx, subscriberTenant);
  const subscription = subscriber && (await findSubscription(subscriber, (delivery.subscription_id ?? delivery.provider_subscription_id) as string));
  return { subscriber, subscriberTenant, subscription };
}

/**
 * Sends a delivery before the job's transaction, holding no connection while the receiver takes
 * its time (a slow receiver must not hold the embedded database's only connection, nor a pool's,
 * from the changes being made meanwhile). Undefined when there is nothing to send.
 */
export async function sendDelivery(ctx: TenancyContext, deps: WebhookDeps, deliveryId: string): Promise<Outcome | undefined> {
  const delivery = await findObject(ctx, 'webhookDelivery', deliveryId);
  if (delivery.state === 'delivered' || delivery.state === 'dead') return undefined;
  const { subscription } = await subscriptionOf(ctx, delivery);
  return subscription?.active ? post(deps, subscription, delivery) : undefined;
}

/**
 * Attempts a delivery. Delivered: logged. Failed within the retry window: logged and the next
 * attempt enqueued at its back-off time, in this job's transaction. Failed after it: dead, and the
 * subscription disabled after FAILURES_TO_DISABLE dead deliveries in a row.
 */
export async function attemptDelivery(ctx: TenancyContext, deps: WebhookDeps, deliveryId: string, sent?: Outcome): Promise<Row> {
  const delivery = await findObject(ctx, 'webhookDelivery', deliveryId);
  if (delivery.state === 'delivered' || delivery.state === 'dead') return delivery;
  const { subscriber, subscriberTenant, subscription } = await subscriptionOf(ctx, delivery);
  const attempt = (delivery.attempts as number) + 1;
  // Not sent, and not counted as the receiver's failure: enabled again, the delivery can be sent by hand.
  const unsent = !subscription ? 'The subscription was removed.' : !subscription.active ? 'The subscription is disabled.' : undefined;
  if (!subscriber || !subscription || unsent) return updateObject(ctx, 'webhookDelivery', deliveryId, { attempts: attempt, last_status: null, last_error: unsent, state: 'dead', next_attempt_at: null });
  const outcome = sent ?? (await post(deps, subscription, delivery));
  const logged = { attempts: attempt, last_status: outcome.status, last_error: outcome.error };
  if (outcome.ok) {
    if (subscription.failures_in_a_row) await inTransaction(subscriber, (tx) => updateObject(tx, 'webhookSubscription', subscription.id as string, { failures_in_a_row: 0 }), subscriberTenant);
    return updateObject(ctx, 'webhookDelivery', deliveryId, { ...logged, state: 'delivered', delivered_at: new Date(), next_attempt_at: null });
  }
  const next = new Date(Date.now() + retryDelayMs(attempt));
  if (next.getTime() - (delivery.created_at as Date).getTime() <= RETRY_WINDOW_MS) {
    await enqueue(await scopedTx(ctx), deliverWebhook, { tenantId: delivery.tenant_id as number, payload: { deliveryId }, key: `${deliveryId}:${attempt + 1}`, runAt: next });
    return updateObject(ctx, 'webhookDelivery', deliveryId, { ...logged, state: 'retrying', next_attempt_at: next });
  }
  await countDeadDelivery(subscriber, subscription, outcome.error);
  return updateObject(ctx, 'webhookDelivery', deliveryId, { ...logged, state: 'dead', next_attempt_at: null });
}

/** One more dead delivery in a row for `subscription`; at FAILURES_TO_DISABLE it is disabled and its tenant's administrators told. */
async function countDeadDelivery(subscriber: TenancyContext, subscription: Row, error: string | null): Promise<void> {
  const failures = (subscription.failures_in_a_row as number) + 1;
  const disable = failures >= FAILURES_TO_DISABLE;
  const reason = `Disabled after ${failures} deliveries failed for 24 hours each; last: ${error ?? 'no answer'}`;
  await inTransaction(subscriber, async (tx) => {
    await updateObject(tx, 'webhookSubscription', subscription.id as string, { failures_in_a_row: failures, ...(disable ? { active: false, disabled_reason: reason } : {}) });
    if (disable) await notifyWebhookDisabled(tx, subscription, reason);
  }, subscription.tenant_id as number);
}

export function deliverWebhookHandler(deps: WebhookDeps): JobHandler<{ deliveryId: string }> {
  return handleJob(
    deliverWebhook,
    (ctx, payload, _job, sent) => attemptDelivery(ctx, deps, payload.deliveryId, sent as Outcome | undefined).then(() => undefined),
    (ctx, payload) => sendDelivery(ctx, deps, payload.deliveryId),
  );
}
