import type { ArticlePageMeta } from '../../desk/kb/public-article-page.ts';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** `/kb/<slug>`: the portal's article page, whose head a search engine reads. */
export const ARTICLE_PATH = /^\/kb\/([a-z0-9]+(?:-[a-z0-9]+)*)\/?$/;

/**
 * The front end's `index.html` with a public article's title, description, canonical address and
 * language in its head, so the page can be indexed without running the app. Every value is escaped
 * (an article's title is an editor's text); the body stays the app's, which renders the article.
 */
export function withArticleMeta(index: string, meta: ArticlePageMeta, canonical: string): string {
  const head = [
    `<title>${escapeHtml(meta.title)}</title>`,
    `<meta name="description" content="${escapeHtml(meta.description)}" />`,
    `<link rel="canonical" href="${escapeHtml(canonical)}" />`,
    `<meta property="og:title" content="${escapeHtml(meta.title)}" />`,
  ].join('\n    ');
  return index
    .replace(/<title>[^<]*<\/title>/, () => head)
    .replace(/<html lang="[^"]*">/, () => `<html lang="${escapeHtml(meta.language)}">`);
}
