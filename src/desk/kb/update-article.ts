import { announceArticlePublished } from '../../webhooks/kb-article-published.ts';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { createObject, findObject, inTransaction, updateObject, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { articleColumns, VERSIONED, type ArticleInput } from './article-input.ts';
import { asSlugConflict, requireFreeSlug } from './article-slug.ts';
import { familyOf, requirePublishRight } from './create-article.ts';

export type ArticleChange = ArticleInput & {
  /** The version this change is based on: another editor's save since then makes it a CONFLICT. */
  version?: number;
};

export async function auditArticle(desk: DeskContext, article: Row, action: string, data: Record<string, unknown>): Promise<void> {
  const tenantId = (article.tenant_id as number | null) ?? desk.catalog.serviceProvider?.id;
  if (tenantId !== undefined) await recordAuditInScope(desk, { tenantId, actorContactId: desk.actor.contactId, action: `kbArticle.${action}`, objectType: 'kbArticle', objectId: article.id as string, data });
}

/**
 * Changes an article in the tenant it belongs to (public ones: roles writing public objects alone).
 * A change to its text is a new version, kept whole for the history; a change of state or
 * visibility alone is not.
 */
export async function updateArticle(desk: DeskContext, id: string, change: ArticleChange): Promise<Row> {
  requireDeskPermission(desk, 'kb.write');
  requirePublishRight(desk, change.status);
  const current = await findObject(desk, 'kbArticle', id);
  if (current.status !== 'draft' && change.status === undefined) requirePublishRight(desk, current.status);
  const patch = articleColumns(change);
  if (typeof change.translationOf === 'string') {
    patch.translation_of = await familyOf(desk, change.translationOf);
    if (patch.translation_of === id) throw new AppError('VALIDATION_FAILED', 'An article is not a translation of itself.', 'translationOf');
  }
  if ('slug' in patch || 'language' in patch) {
    const renamed = { ...current, ...patch };
    await requireFreeSlug(desk, { tenantId: current.tenant_id as number | null, language: renamed.language as string, slug: renamed.slug as string, id });
  }
  const textChanged = VERSIONED.some((column) => column in patch && patch[column] !== current[column]);
  const version = (current.version as number) + (textChanged ? 1 : 0);
  if (patch.status === 'published' && current.status !== 'published') patch.published_at = new Date();
  const expect = change.version === undefined ? {} : { version: change.version };
  return inTransaction(desk, async (tx) => {
    const article = await updateObject(tx, 'kbArticle', id, { ...patch, version, updated_at: new Date() }, { expect });
    if (textChanged) {
      await createObject(tx, 'kbArticleVersion', {
        tenant_id: article.tenant_id,
        article_id: id,
        version,
        title: article.title,
        summary: article.summary,
        keywords: article.keywords,
        body_html: article.body_html,
        edited_by: desk.actor.contactId,
      });
    }
    const changes = Object.fromEntries(Object.keys(patch).filter((c) => c !== 'body_html').map((c) => [c, { from: current[c] ?? null, to: article[c] ?? null }]));
    if (article.status === 'published' && current.status !== 'published') await announceArticlePublished(tx, article);
    await auditArticle(tx, article, 'updated', { version, changes });
    return article;
  }, current.tenant_id as number | null).catch((error: unknown) => {
    throw asSlugConflict(error, { ...current, ...patch });
  });
}
