import { sql } from 'kysely';
import { AppError } from '../../errors.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { readEveryPass, type KbReader } from './kb-reader.ts';

export type ArticleListQuery = {
  categoryId?: string;
  language?: string;
  status?: 'draft' | 'published' | 'archived';
  /** The members of one translation family: the original's id. */
  translationsOf?: string;
  limit?: number;
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The articles the reader may see, most recently updated first. */
export async function listArticles(reader: KbReader, query: ArticleListQuery = {}): Promise<Row[]> {
  const limit = Math.min(query.limit ?? 100, 500);
  const where: Row = {};
  if (query.categoryId) where.category_id = query.categoryId;
  if (query.language) where.language = query.language;
  if (query.status) where.status = query.status;
  const family = query.translationsOf && UUID.test(query.translationsOf) ? query.translationsOf : undefined;
  if (query.translationsOf && !family) return [];
  const filterFamily = family ? sql<boolean>`(id = ${family} or translation_of = ${family})` : sql<boolean>`true`;
  const rows = await readEveryPass(reader, (pass) =>
    listObjects(pass.ctx, 'kbArticle', { where, filter: sql<boolean>`${pass.filter} and ${filterFamily}`, orderBy: 'updated_at', descending: true, limit }),
  );
  return rows
    .sort((a, b) => (b.updated_at as Date).getTime() - (a.updated_at as Date).getTime() || String(a.id).localeCompare(String(b.id)))
    .slice(0, limit);
}

/**
 * One article the reader may see, by id or by slug; otherwise NOT_FOUND, whether it does not exist
 * or is another tenant's. A slug used at several levels names the nearest: the host's own, then
 * the nearest tenant above it, then the public one.
 */
export async function findArticle(reader: KbReader, idOrSlug: string): Promise<Row> {
  const where: Row = UUID.test(idOrSlug) ? { id: idOrSlug } : { slug: idOrSlug };
  const rows = await readEveryPass(reader, (pass) => listObjects(pass.ctx, 'kbArticle', { where, filter: pass.filter, limit: 50 }));
  const nearness = [...reader.ctx.catalog.supertenants(reader.hostTenantId)];
  const rank = (row: Row) => {
    const at = nearness.indexOf(row.tenant_id as number);
    return row.tenant_id === null ? nearness.length : at >= 0 ? at : -1;
  };
  // Rows of tenants the role reads besides the host's line (an SP agent's) come first: they asked.
  const [article] = rows.sort((a, b) => rank(a) - rank(b));
  if (!article) throw new AppError('NOT_FOUND', 'This article was not found.');
  return article;
}
