import { sql } from 'kysely';
import { AppError } from '../../errors.ts';
import { listObjects, type Row } from '../../tenancy/data-access.ts';
import { readEveryPass, type KbReader } from './kb-reader.ts';
import { recordKbEvent } from './kb-events.ts';

export type ArticleSearch = {
  q: string;
  language?: string;
  limit?: number;
  /**
   * A search the reader made (every word must match; counted, for the reports) or a suggestion as
   * they type a ticket's subject (any word may match: a subject is a sentence, not a query; not counted).
   */
  suggest?: boolean;
};

export type SearchHit = Row & { score: number };

/**
 * A web-search query (words, "phrases", -exclusions; never a syntax error) matched with the
 * configuration of each article's language (migration 0050's `kb_search_config`): three branches,
 * so each uses the full-text index with a constant query.
 */
function matches(q: string) {
  const en = sql`websearch_to_tsquery('english', ${q})`;
  const fr = sql`websearch_to_tsquery('french', ${q})`;
  const simple = sql`websearch_to_tsquery('simple', ${q})`;
  return sql<boolean>`((language like 'en%' and search @@ ${en}) or (language like 'fr%' and search @@ ${fr})
    or (not (language like 'en%' or language like 'fr%') and search @@ ${simple}))`;
}

/** ts_rank with its default weights (D 0.1, C 0.2, B 0.4, A 1.0): a title match outranks a body match (decisions/0141). */
const rank = (q: string) => sql<number>`ts_rank(search, websearch_to_tsquery(kb_search_config(language), ${q}))`;

/**
 * The articles the reader may see that match `q`, best first. The same search serves the portal,
 * the agent panel and the API: what it reads is decided by the reader (kb-reader.ts) alone.
 */
export async function searchArticles(reader: KbReader, search: ArticleSearch): Promise<SearchHit[]> {
  const q = search.q.trim();
  if (!q) throw new AppError('VALIDATION_FAILED', 'Type some words to search for.', 'q');
  if (q.length > 200) throw new AppError('VALIDATION_FAILED', 'A search is at most 200 characters long.', 'q');
  const limit = Math.min(search.limit ?? 10, 50);
  // websearch_to_tsquery reads "or" between words as OR; the words alone keep quotes and minus signs out.
  const query = search.suggest ? (q.match(/[\p{L}\p{N}]+/gu) ?? []).join(' or ') : q;
  if (!query) return [];
  const where: Row = search.language ? { language: search.language } : {};
  const score = rank(query);
  const rows = await readEveryPass(reader, (pass) =>
    listObjects(pass.ctx, 'kbArticle', { where, filter: sql<boolean>`${pass.filter} and ${matches(query)}`, orderBy: 'score', descending: true, orderValue: { by: score, key: score }, limit }),
  );
  const hits = rows
    .map((row): SearchHit => ({ ...row, score: Number(row.score) }))
    .sort((a, b) => b.score - a.score || String(a.id).localeCompare(String(b.id)))
    .slice(0, limit);
  if (!search.suggest) await recordKbEvent(reader, { kind: 'search', query: q, results: hits.length });
  return hits;
}
