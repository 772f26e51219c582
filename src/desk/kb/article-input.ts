import { AppError } from '../../errors.ts';
import type { Row } from '../../tenancy/data-access.ts';
import { sanitizeBody } from '../sanitize.ts';

/** What an editor sends for an article (API names); every field optional on a change. */
export type ArticleInput = {
  title?: string;
  body?: string;
  summary?: string;
  keywords?: string;
  slug?: string;
  categoryId?: string | null;
  language?: string;
  visibility?: 'public' | 'customers' | 'agents';
  status?: 'draft' | 'published' | 'archived';
  reviewerId?: string | null;
  translationOf?: string | null;
};

/** The columns that make up an article's text: a change to one of them is a new version. */
export const VERSIONED = ['title', 'summary', 'keywords', 'body_html'] as const;

const LANGUAGE = /^[a-z]{2,3}(-[a-z0-9]{2,8})?$/;
const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** "Reset your password (VPN)" -> "reset-your-password-vpn"; accents folded, at most 120 characters. */
export function slugify(title: string): string {
  const slug = title
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120)
    .replace(/-+$/, '');
  return slug || 'article';
}

/** The input as columns, checked and cleaned: the body keeps the thread entries' allow-list only. */
export function articleColumns(input: ArticleInput): Row {
  const row: Row = {};
  if (input.title !== undefined) {
    const title = input.title.trim();
    if (!title) throw new AppError('VALIDATION_FAILED', 'An article needs a title.', 'title');
    row.title = title;
  }
  if (input.body !== undefined) {
    const body = sanitizeBody(input.body);
    if (!body) throw new AppError('VALIDATION_FAILED', 'The article is empty once unsafe HTML is removed.', 'body');
    row.body_html = body;
  }
  if (input.summary !== undefined) row.summary = input.summary.trim();
  if (input.keywords !== undefined) row.keywords = input.keywords.trim();
  if (input.slug !== undefined) {
    if (!SLUG.test(input.slug)) throw new AppError('VALIDATION_FAILED', 'A slug is lower-case letters and digits joined by hyphens, such as reset-your-password.', 'slug');
    row.slug = input.slug;
  }
  if (input.language !== undefined) {
    const language = input.language.toLowerCase();
    if (!LANGUAGE.test(language)) throw new AppError('VALIDATION_FAILED', 'A language is a code such as en, fr or pt-br.', 'language');
    row.language = language;
  }
  if (input.categoryId !== undefined) row.category_id = input.categoryId;
  if (input.visibility !== undefined) row.visibility = input.visibility;
  if (input.status !== undefined) row.status = input.status;
  if (input.reviewerId !== undefined) row.reviewer_id = input.reviewerId;
  if (input.translationOf !== undefined) row.translation_of = input.translationOf;
  return row;
}
