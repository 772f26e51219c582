import { diffLines, diffWords } from 'diff';
import { AppError } from '../../errors.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { findArticle } from './read-articles.ts';
import type { KbReader } from './kb-reader.ts';

export type DiffPart = { op: 'same' | 'added' | 'removed'; text: string };
export type VersionDiff = { from: number; to: number; title: DiffPart[]; summary: DiffPart[]; keywords: DiffPart[]; body: DiffPart[] };

/** The history is the editors' material: agents alone read it, of an article they may read. */
async function readableArticle(reader: KbReader, id: string): Promise<Row> {
  if (reader.audience !== 'agent') throw new AppError('NOT_FOUND', 'This article was not found.');
  return findArticle(reader, id);
}

/** Every saved version of an article, newest first. */
export async function listArticleVersions(reader: KbReader, id: string): Promise<Row[]> {
  const article = await readableArticle(reader, id);
  // The versions of an article live with it: read under the article's own tenant.
  const ctx = { ...reader.ctx, access: { read: article.tenant_id === null ? [] : [article.tenant_id as number], write: [], writePublic: false } };
  return listObjects(ctx, 'kbArticleVersion', { where: { article_id: article.id }, orderBy: 'version', descending: true, limit: 500 });
}

/** Tags out, one block per line: a diff of what readers see rather than of markup. */
function text(html: unknown): string {
  return String(html ?? '')
    .replace(/<\/(p|div|li|h[1-6]|tr|pre|blockquote)>|<br\s*\/?>/gi, '\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{2,}/g, '\n')
    .trim();
}

const parts = (changes: { added: boolean; removed: boolean; value: string }[]): DiffPart[] =>
  changes.map((c) => ({ op: c.added ? 'added' : c.removed ? 'removed' : 'same', text: c.value }));

/** What changed between two versions of an article: words of its title, summary and keywords, lines of its body. */
export async function diffArticleVersions(reader: KbReader, id: string, from: number, to: number): Promise<VersionDiff> {
  const versions = await listArticleVersions(reader, id);
  const pick = (n: number, field: string) => {
    const found = versions.find((v) => v.version === n);
    if (!found) throw new AppError('NOT_FOUND', `This article has no version ${n}.`, field);
    return found;
  };
  const a = pick(from, 'from');
  const b = pick(to, 'to');
  return {
    from,
    to,
    title: parts(diffWords(String(a.title), String(b.title))),
    summary: parts(diffWords(String(a.summary), String(b.summary))),
    keywords: parts(diffWords(String(a.keywords), String(b.keywords))),
    body: parts(diffLines(`${text(a.body_html)}\n`, `${text(b.body_html)}\n`)),
  };
}
