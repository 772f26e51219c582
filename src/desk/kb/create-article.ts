import { announceArticlePublished } from '../../webhooks/kb-article-published.ts';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { hasPermission } from '../../identity/permissions.ts';
import { createObject, findObject, inTransaction, listObjects, tenantOfNew, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { articleColumns, slugify, type ArticleInput } from './article-input.ts';

export type NewArticle = ArticleInput & { title: string; body: string; visibility: 'public' | 'customers' | 'agents'; tenantId?: number | null };

/** Publishing (and archiving) is an editor's decision: `kb.publish`; any `kb.write` holder drafts. */
export function requirePublishRight(desk: DeskContext, status: unknown): void {
  if (status !== undefined && status !== 'draft' && !hasPermission(desk.actor.activeRole, 'kb.publish')) {
    throw new AppError('FORBIDDEN', `Your active role (${desk.actor.activeRole.slug}) may write drafts but not publish or archive articles ("kb.publish").`, 'status');
  }
}

/** A translation joins the family of the article it translates: always the original's id. */
export async function familyOf(desk: DeskContext, translationOf: unknown): Promise<unknown> {
  if (typeof translationOf !== 'string') return translationOf;
  const target = await findObject(desk, 'kbArticle', translationOf).catch(() => undefined);
  if (!target) throw new AppError('TENANT_REFERENCE_INVALID', 'translationOf must refer to an article you can read.', 'translationOf');
  return target.translation_of ?? target.id;
}

/** The title's slug, numbered when the tenant already has it ("vpn-2"). */
async function freeSlug(desk: DeskContext, tenantId: number | null, title: string): Promise<string> {
  const base = slugify(title);
  // Slugs are unique within one tenant (or among public rows): look there only.
  const inTenant = { ...desk, access: { ...desk.access, read: tenantId === null ? [] : [tenantId] } };
  const taken = new Set((await listObjects(inTenant, 'kbArticle', { where: { tenant_id: tenantId }, limit: 1000 })).map((r) => r.slug));
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base.slice(0, 114)}-${n}`;
    if (!taken.has(slug)) return slug;
  }
}

/**
 * Writes a new article (a draft unless the role publishes) and its first version, in its tenant:
 * the one given (`null`: public, for roles writing public objects), else the role's only tenant.
 */
export async function createArticle(desk: DeskContext, input: NewArticle): Promise<Row> {
  requireDeskPermission(desk, 'kb.write');
  requirePublishRight(desk, input.status);
  const columns = articleColumns(input);
  if (input.translationOf) columns.translation_of = await familyOf(desk, input.translationOf);
  const tenantId = await tenantOfNew(desk, 'kbArticle', input.tenantId === undefined ? columns : { ...columns, tenant_id: input.tenantId });
  if (columns.slug === undefined) columns.slug = await freeSlug(desk, tenantId, input.title);
  const id = randomUUID();
  return inTransaction(desk, async (tx) => {
    const article = await createObject(tx, 'kbArticle', {
      ...columns,
      id,
      tenant_id: tenantId,
      author_id: desk.actor.contactId,
      version: 1,
      published_at: columns.status === 'published' ? new Date() : null,
    });
    await createObject(tx, 'kbArticleVersion', { tenant_id: tenantId, article_id: id, version: 1, title: article.title, summary: article.summary, keywords: article.keywords, body_html: article.body_html, edited_by: desk.actor.contactId });
    if (article.status === 'published') await announceArticlePublished(tx, article);
    const auditTenant = tenantId ?? desk.catalog.serviceProvider?.id;
    if (auditTenant !== undefined) await recordAuditInScope(tx, { tenantId: auditTenant, actorContactId: desk.actor.contactId, action: 'kbArticle.created', objectType: 'kbArticle', objectId: id, data: { title: article.title, status: article.status } });
    return article;
  }, tenantId);
}
