import { announceArticlePublished } from '../../webhooks/kb-article-published.ts';
import { randomUUID } from 'node:crypto';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { hasPermission } from '../../identity/permissions.ts';
import { createObject, findObject, inTransaction, tenantOfNew, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { articleColumns, type ArticleInput } from './article-input.ts';
import { asSlugConflict, freeSlug, requireFreeSlug } from './article-slug.ts';

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
  const language = (columns.language as string | undefined) ?? 'en';
  if (columns.slug === undefined) columns.slug = await freeSlug(desk, tenantId, language, input.title);
  else await requireFreeSlug(desk, { tenantId, language, slug: columns.slug as string });
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
  }, tenantId).catch((error: unknown) => {
    throw asSlugConflict(error, columns);
  });
}
