import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { enqueue } from '../jobs/enqueue.ts';
import { defineJob, handleJob, type JobHandler } from '../jobs/job-type.ts';
// The unit of work's transaction with its write scope applied, for a job enqueued beside the rows it writes.
import { scopedTx } from '../mail/mail-context.ts';
import type { CatalogSnapshot } from '../tenancy/catalog/snapshot.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { countObjects, inTransaction, type Row } from '../tenancy/data-access.ts';
import { emitWebhookEvent } from './webhook-events.ts';
import { routesFor } from './webhook-routes.ts';

/** Only what a customer of a reading tenant reads of a published article (decision 0162): never its body. */
export function articlePayload(article: Row, catalog: CatalogSnapshot): Row {
  const home = article.tenant_id === null ? null : (catalog.byId.get(article.tenant_id as number)?.slug ?? null);
  return { id: article.id, slug: article.slug, title: article.title, summary: article.summary, language: article.language, visibility: article.visibility, owner: home, publishedAt: article.published_at };
}

/**
 * The tenants that read a published article by the reference rules (decision 0140): a public one
 * (no tenant, the service provider's) every tenant; a tenant's own, that tenant and the tenants
 * below it (they inherit their supertenants' published articles). Agents-only articles are no
 * event at all: their very title is not for a customer (decision 0165).
 */
export function readingTenants(catalog: CatalogSnapshot, article: Row): number[] {
  if (!['public', 'customers'].includes(article.visibility as string)) return [];
  return article.tenant_id === null ? [...catalog.byId.keys()] : catalog.subtenants(article.tenant_id as number);
}

/** The tenant an article's event is the event of: its own, or the service provider for a public one. */
const homeOf = (catalog: CatalogSnapshot, article: Row): number | undefined => (article.tenant_id as number | null) ?? catalog.serviceProvider?.id;

/** Whether anyone subscribed: the reading tenants' own subscriptions, or an all-readable one reading the article's home. From memory. */
function wanted(ctx: TenancyContext, article: Row, home: number): boolean {
  const own = readingTenants(ctx.catalog, article).some((t) => routesFor(ctx.catalog, ctx.settings, t, 'kb.article_published').some((r) => r.scope === 'tenant'));
  return own || routesFor(ctx.catalog, ctx.settings, home, 'kb.article_published').some((r) => r.scope === 'all-readable');
}

export const fanOutArticle = defineJob({
  name: 'webhook.kb_article_published',
  payload: z.object({ eventId: z.string().uuid(), article: z.record(z.string(), z.unknown()), home: z.number().int() }),
  maxAttempts: 5,
});

/**
 * Called in the transaction that publishes an article. The readers may live on several databases
 * (silos), so the deliveries cannot all be written here: one job, enqueued with the publication
 * (so it is never lost), writes each reading tenant's deliveries in that tenant's own database.
 * Nobody subscribed: nothing written, no query.
 */
export async function announceArticlePublished(tx: TenancyContext, article: Row): Promise<void> {
  const home = homeOf(tx.catalog, article);
  if (home === undefined || !readingTenants(tx.catalog, article).length || !wanted(tx, article, home)) return;
  const kept = ['id', 'tenant_id', 'slug', 'title', 'summary', 'language', 'visibility', 'published_at'];
  const payload = { eventId: randomUUID(), article: Object.fromEntries(kept.map((column) => [column, article[column] ?? null])), home };
  // The job is the home tenant's (the service provider's for a public article), whichever role published.
  await enqueue(await scopedTx({ ...tx, access: { ...tx.access, write: [home] } }), fanOutArticle, { tenantId: home, payload, key: payload.eventId });
}

/**
 * Writes, for each reading tenant, the deliveries of its own subscriptions, and the provider's
 * all-readable ones at the home tenant: in the job's transaction when the tenant shares its
 * database, else in a unit of work of that tenant's database. A tenant already holding the event
 * (a run that died after writing it) is skipped. Tenant boundary: each tenant's rows are written
 * under that tenant's scope alone.
 */
async function fanOut(ctx: TenancyContext, payload: z.infer<typeof fanOutArticle.payload>): Promise<void> {
  const data = { article: articlePayload(payload.article, ctx.catalog) };
  for (const tenantId of readingTenants(ctx.catalog, payload.article)) {
    const routes = routesFor(ctx.catalog, ctx.settings, tenantId, 'kb.article_published').filter((r) => r.scope === 'tenant' || tenantId === payload.home);
    if (!routes.length) continue;
    const access = { read: [tenantId], write: [tenantId], writePublic: false };
    const sameDatabase = (await ctx.shards.forTenant(ctx.catalog, tenantId)) === ctx.txDatabase;
    const { tx: _tx, txDatabase: _database, ...outside } = ctx;
    await inTransaction({ ...(sameDatabase ? ctx : outside), access }, async (tx) => {
      if (await countObjects(tx, 'webhookDelivery', { tenant_id: tenantId, event_id: payload.eventId })) return;
      await emitWebhookEvent(tx, tenantId, 'kb.article_published', data, { eventId: payload.eventId, ...(tenantId === payload.home ? {} : { only: 'tenant' as const }) });
    }, tenantId);
  }
}

export const fanOutArticleHandler: JobHandler<z.infer<typeof fanOutArticle.payload>> = handleJob(fanOutArticle, fanOut);
