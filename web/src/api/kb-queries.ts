import { useMutation, useQuery } from '@tanstack/react-query';
import { api, query } from './client.ts';

/** The knowledge base's answers (routes/kb-public.ts), read with or without sign-in. */
export type KbArticle = { id: string; slug: string; title: string; summary: string; bodyHtml: string; language: string; visibility: string; status: string; tenant: string | null; updatedAt: string; categoryId: string | null };
export type KbHit = { id: string; slug: string; title: string; summary: string; score: number; tenant: string | null };
export type KbCategory = { id: string; parentId: string | null; name: string; slug: string };

export function useKbArticles(categoryId?: string) {
  return useQuery({ queryKey: ['kb', 'articles', categoryId ?? ''], queryFn: () => api<{ items: KbArticle[] }>('GET', `/api/v1/kb/articles${query({ status: 'published', categoryId })}`) });
}

export function useKbCategories() {
  return useQuery({ queryKey: ['kb', 'categories'], queryFn: () => api<{ items: KbCategory[] }>('GET', '/api/v1/kb/categories') });
}

export function useKbArticle(slug: string) {
  return useQuery({ queryKey: ['kb', 'article', slug], queryFn: () => api<KbArticle>('GET', `/api/v1/kb/articles/${encodeURIComponent(slug)}`) });
}

/** A search; `suggest`: as someone types a ticket's subject (not counted as a search). */
export function useKbSearch(q: string, suggest = false) {
  const text = q.trim();
  return useQuery({
    queryKey: ['kb', 'search', text, suggest],
    queryFn: () => api<{ items: KbHit[] }>('GET', `/api/v1/kb/search${query({ q: text, suggest: suggest ? 'true' : undefined, limit: 5 })}`),
    enabled: text.length >= 3,
  });
}

export function useKbFeedback(id: string) {
  return useMutation({ mutationFn: (helpful: boolean) => api<void>('POST', `/api/v1/kb/articles/${id}/feedback`, { helpful }) });
}

export function useKbDeflection() {
  return useMutation({ mutationFn: (input: { id: string; subject: string }) => api<void>('POST', `/api/v1/kb/articles/${input.id}/deflection`, { subject: input.subject.slice(0, 200) }) });
}

export type KbFigures = { views: number; searches: number; searchesWithoutResult: number; deflections: number; helpful: number; notHelpful: number };
export type KbReport = KbFigures & {
  tenants?: (KbFigures & { tenantId: number; tenant: string | null })[];
  topArticles: { articleId: string; views: number; helpful: number; notHelpful: number }[];
  unanswered: { query: string; searches: number }[];
};

/** The address of the knowledge-base report, as JSON or as the CSV file the same filters give. */
export const kbReportUrl = (range: { from: string; to: string; timeZone: string; tenantId?: number | undefined }, csv = false) =>
  `/api/v1/reports/kb${query({ from: range.from, to: range.to, timeZone: range.timeZone, tenantId: range.tenantId, ...(csv ? { format: 'csv' } : {}) })}`;
