import { sql } from 'kysely';
import { AppError } from '../../errors.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { slugify } from './article-input.ts';

/**
 * A slug names one article per tenant and language (public articles among themselves; migration
 * 0051): `/kb/:slug` at a host, in a language, is one article. The lookups read that one tenant
 * only, whatever else the role reads.
 */
async function slugsTaken(desk: DeskContext, tenantId: number | null, language: string, base: string, except?: string): Promise<Set<unknown>> {
  // Tenant boundary: the article's own tenant (or the public rows alone), nothing the role reads besides.
  const inTenant = { ...desk, access: { ...desk.access, read: tenantId === null ? [] : [tenantId] } };
  const rows = await listObjects(inTenant, 'kbArticle', {
    where: { tenant_id: tenantId, language },
    filter: sql<boolean>`(slug = ${base} or slug like ${`${base}-%`})`,
    limit: 5000,
  });
  return new Set(rows.filter((r) => r.id !== except).map((r) => r.slug));
}

export const slugTaken = (slug: string): AppError =>
  new AppError('SLUG_TAKEN', `Another article of this tenant in this language already has the address "${slug}". Choose another slug.`, 'slug');

/** The title's slug, numbered when the tenant already has it in that language ("vpn-2"). */
export async function freeSlug(desk: DeskContext, tenantId: number | null, language: string, title: string): Promise<string> {
  const base = slugify(title);
  const taken = await slugsTaken(desk, tenantId, language, base);
  for (let n = 1; ; n++) {
    const slug = n === 1 ? base : `${base.slice(0, 114)}-${n}`;
    if (!taken.has(slug)) return slug;
  }
}

/** SLUG_TAKEN (409) when the slug names another article of the tenant in that language. */
export async function requireFreeSlug(desk: DeskContext, article: { tenantId: number | null; language: string; slug: string; id?: string }): Promise<void> {
  if ((await slugsTaken(desk, article.tenantId, article.language, article.slug, article.id)).has(article.slug)) throw slugTaken(article.slug);
}

/** Two editors saving the same slug at once: the unique index's refusal, said as SLUG_TAKEN. */
export function asSlugConflict(error: unknown, row: Row): unknown {
  return error instanceof AppError && error.code === 'CONFLICT' && error.field === 'slug' ? slugTaken(String(row.slug)) : error;
}
