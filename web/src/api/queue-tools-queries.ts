import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, query } from './client.ts';
import { keys } from './queries.ts';
import type { Choice, Ticket } from './types.ts';

export type BulkAction = { action: 'assign'; assigneeId: string | null } | { action: 'status'; status: string } | { action: 'close' } | { action: 'merge'; targetId: string };

/** One ticket's outcome of a bulk action: changed (its new state), or why not. */
export type BulkResult = { id: string; ok: boolean; ticket?: Ticket; error?: { code: string; message: string; field?: string } };

/**
 * POST /api/v1/tickets/bulk with each ticket at the version it had when it was selected, so a
 * ticket someone changed since is refused (CONFLICT) rather than changed blind.
 */
export function useBulkAction() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async ({ tickets, action }: { tickets: Pick<Ticket, 'id' | 'version'>[]; action: BulkAction }) =>
      (await api<{ results: BulkResult[] }>('POST', '/api/v1/tickets/bulk', { tickets: tickets.map(({ id, version }) => ({ id, version })), ...action })).results,
    onSettled: () => client.invalidateQueries({ queryKey: keys.scoped, predicate: (q) => q.queryKey[1] === 'tickets' || q.queryKey[1] === 'ticket' }),
  });
}

/**
 * The people who may be assigned every one of the tenants given (their lookups intersected): a
 * selection across tenants can only go to someone eligible for each (the service provider's staff).
 */
export function useEligibleAssignees(tenants: readonly (string | null)[], enabled: boolean): { data: Choice[] | undefined; isPending: boolean } {
  const distinct = [...new Set(tenants)];
  const answers = useQueries({
    queries: distinct.map((tenant) => ({
      // People's names need no translating, so the answer is kept as it came (useChoices' keys differ).
      queryKey: [...keys.scoped, 'choices', 'ticket', 'assignee_id', tenant, 'raw'],
      queryFn: async () => (await get<{ choices: Choice[] }>(`/api/v1/lookups/ticket/assignee_id${query({ tenant })}`)).choices,
      enabled: enabled && distinct.length > 0,
      staleTime: 60_000,
    })),
  });
  if (!enabled || distinct.length === 0 || answers.some((a) => a.isPending)) return { data: undefined, isPending: enabled && distinct.length > 0 };
  const [first = [], ...rest] = answers.map((a) => a.data ?? []);
  return { data: first.filter((choice) => rest.every((list) => list.some((c) => c.id === choice.id))), isPending: false };
}

/** A saved view of the queue: a name and the queue's filters as its address carries them. */
export type SavedView = { id: string; name: string; filters: Record<string, string>; createdAt: string };

const viewsKey = [...keys.scoped, 'saved-views'];

export function useSavedViews(enabled = true) {
  return useQuery({ queryKey: viewsKey, queryFn: async () => (await get<{ views: SavedView[] }>('/api/v1/saved-views')).views, enabled });
}

export function useSavedViewActions() {
  const client = useQueryClient();
  const options = { onSuccess: () => client.invalidateQueries({ queryKey: viewsKey }) };
  return {
    save: useMutation({ mutationFn: (input: { name: string; filters: Record<string, string> }) => api<SavedView>('POST', '/api/v1/saved-views', input), ...options }),
    rename: useMutation({ mutationFn: ({ id, name }: { id: string; name: string }) => api<SavedView>('PATCH', `/api/v1/saved-views/${encodeURIComponent(id)}`, { name }), ...options }),
    remove: useMutation({ mutationFn: (view: SavedView) => api<void>('DELETE', `/api/v1/saved-views/${encodeURIComponent(view.id)}`), ...options }),
  };
}
