import { AppError } from '../../errors.ts';
import type { KbReader } from './kb-reader.ts';
import { findArticle } from './read-articles.ts';

/** What a search engine is shown of a public article: its title, a description, its language. */
export type ArticlePageMeta = { title: string; description: string; language: string; slug: string };

const DESCRIPTION_LENGTH = 160;

/** The summary, else the body's first words without markup, cut at a word near 160 characters. */
export function describeArticle(summary: string, bodyHtml: string): string {
  const text = (summary.trim() || bodyHtml.replace(/<[^>]*>/g, ' ').replace(/&nbsp;/g, ' ')).replace(/\s+/g, ' ').trim();
  if (text.length <= DESCRIPTION_LENGTH) return text;
  const cut = text.slice(0, DESCRIPTION_LENGTH - 1);
  const space = cut.lastIndexOf(' ');
  return `${space > 80 ? cut.slice(0, space) : cut}…`;
}

/**
 * The indexable facts of `/kb/:slug` at a host, for an anonymous reader only: so a published,
 * public-visibility article of the host, a tenant above it or the service provider, exactly what
 * that visitor may read through the API. Anything else (customers-only, agents-only, a draft,
 * another tenant's) is undefined, and the page is the plain shell.
 */
export async function publicArticlePage(reader: KbReader, slug: string): Promise<ArticlePageMeta | undefined> {
  if (reader.audience !== 'anonymous') throw new Error('publicArticlePage reads as an anonymous visitor only');
  try {
    const article = await findArticle(reader, slug);
    if (article.visibility !== 'public' || article.status !== 'published') return undefined;
    return { title: String(article.title), description: describeArticle(String(article.summary), String(article.body_html)), language: String(article.language), slug: String(article.slug) };
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
