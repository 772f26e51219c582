import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, ApiError, get, leaveSession, query, stayInSession } from './client.ts';
import { pollInterval } from './live-state.ts';
import { choiceLabel } from '../i18n/choice-words.ts';
import { useI18n } from '../i18n/i18n.tsx';
import type { Choice, ConfigItem, Contact, Me, ReadableTenant, TenantInfo, ThreadEntry, Ticket, TicketPage, TicketState, TicketStatus } from './types.ts';


/** How often the dashboard's figures are reloaded, as a base (times three). */
export const POLL_MS = 10_000;

export const keys = {
  tenant: ['tenant'] as const,
  me: ['me'] as const,
  /** Everything that depends on the active role; dropped when the role changes or the user signs out. */
  scoped: ['scoped'] as const,
};

export function useTenant() {
  return useQuery({ queryKey: keys.tenant, queryFn: () => get<TenantInfo>('/api/v1/tenant'), staleTime: Infinity });
}

/** The signed-in contact, or null when nobody is signed in on this host. */
export function useMe() {
  return useQuery({
    queryKey: keys.me,
    queryFn: async () => {
      try {
        return await get<Me>('/api/v1/me');
      } catch (error) {
        if (error instanceof ApiError && error.status === 401) return null;
        throw error;
      }
    },
    staleTime: 60_000,
  });
}

export function useReadableTenants(enabled = true) {
  return useQuery({
    queryKey: [...keys.scoped, 'tenants'],
    queryFn: async () => (await get<{ tenants: ReadableTenant[] }>('/api/v1/me/tenants')).tenants,
    enabled,
    staleTime: 60_000,
  });
}

export type QueueSort = 'created' | 'updated' | 'due' | 'priority';

export type QueueFilters = {
  status?: TicketState | undefined;
  /** A contact id, `me`, or `none` (unassigned). */
  assignee?: string | undefined;
  departmentId?: string | undefined;
  priorityId?: string | undefined;
  overdue?: 'true' | undefined;
  q?: string | undefined;
  tenantId?: number | undefined;
  sort?: QueueSort | undefined;
  order?: 'asc' | 'desc' | undefined;
};

/** The queue, page by page through the API's cursor, refreshed when the live stream names a change (or by polling while it is down). */
export function useTickets(filters: QueueFilters, pageSize = 25) {
  return useInfiniteQuery({
    queryKey: [...keys.scoped, 'tickets', filters, pageSize],
    queryFn: ({ pageParam }) => get<TicketPage>(`/api/v1/tickets${query({ ...filters, limit: pageSize, cursor: pageParam })}`),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    refetchInterval: pollInterval,
  });
}

export function useTicket(id: string) {
  return useQuery({ queryKey: [...keys.scoped, 'ticket', id], queryFn: () => get<Ticket>(`/api/v1/tickets/${encodeURIComponent(id)}`), refetchInterval: pollInterval });
}

export function useThread(id: string, enabled = true) {
  return useQuery({
    queryKey: [...keys.scoped, 'ticket', id, 'thread'],
    queryFn: async () => (await get<{ entries: ThreadEntry[] }>(`/api/v1/tickets/${encodeURIComponent(id)}/thread`)).entries,
    enabled,
    refetchInterval: pollInterval,
  });
}

/** The choices for a field (e.g. ('ticket', 'priority_id')): allowed by the reference rules and readable by the caller; 403 for a field its forms do not use. */
export function useChoices(type: string, field: string, tenant?: string | null, enabled = true) {
  const { t } = useI18n();
  return useQuery({
    queryKey: [...keys.scoped, 'choices', type, field, tenant ?? null],
    queryFn: async () => (await get<{ choices: Choice[] }>(`/api/v1/lookups/${type}/${field}${query({ tenant })}`)).choices,
    // Said in the reader's language where the desk knows the row (the public defaults).
    select: (choices) => choices.map((choice) => ({ ...choice, label: choiceLabel(t, choice) })),
    enabled,
    staleTime: 60_000,
  });
}

export function useTicketStatuses() {
  return useQuery({
    queryKey: [...keys.scoped, 'ticket-statuses'],
    queryFn: async () => (await get<{ items: TicketStatus[] }>('/api/v1/ticket-statuses')).items,
    staleTime: 5 * 60_000,
  });
}

export function useConfigList(path: string, enabled = true) {
  return useQuery({ queryKey: [...keys.scoped, 'config', path], queryFn: async () => (await get<{ items: ConfigItem[] }>(`/api/v1/${path}`)).items, enabled });
}

export function useContacts(enabled = true) {
  return useQuery({ queryKey: [...keys.scoped, 'contacts'], queryFn: async () => (await get<{ contacts: Contact[] }>('/api/v1/contacts')).contacts, enabled, staleTime: 60_000 });
}

/** Names of contacts for thread authors and assignees; someone the role cannot read stays unnamed. */
export function useContactNames(enabled = true): Map<string, string> {
  const contacts = useContacts(enabled);
  return new Map((contacts.data ?? []).map((c) => [c.id, c.name]));
}

export function useSignIn() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { email: string; password: string }) => api<{ ok: boolean }>('POST', '/api/v1/auth/login', input),
    onSuccess: async () => {
      client.removeQueries({ queryKey: keys.scoped });
      await client.invalidateQueries({ queryKey: keys.me });
    },
  });
}

/** The single sign-on connections this host's sign-in page offers, and whether passwords still sign in. */
export function useSsoChoices() {
  return useQuery({ queryKey: ['sso-choices'], queryFn: () => get<{ connections: { id: string; name: string }[]; localPasswords: boolean }>('/api/v1/auth/oidc'), staleTime: 60_000 });
}

/**
 * Signs out: reads in flight are dropped first (`leaveSession`), so none is refused once the session
 * has ended; then the app starts afresh at the sign-in page (as a role switch does), or at the
 * identity provider's logout for a single sign-on session, which sends the browser back here.
 */
export function useSignOut() {
  return useMutation({
    mutationFn: async () => {
      leaveSession();
      const answer = await api<{ ok: boolean; providerLogoutUrl?: string }>('POST', '/api/v1/auth/logout');
      window.location.assign(answer.providerLogoutUrl ?? '/');
      return answer;
    },
    // Signed out already (the session expired): the same fresh start; anything else keeps the session.
    onError: (error) => (error instanceof ApiError && error.status === 401 ? window.location.assign('/') : stayInSession()),
  });
}

/** Asks for a password-reset mail; the server answers alike whether or not the address has an account. */
export function useRequestPasswordReset() {
  return useMutation({ mutationFn: (email: string) => api<{ ok: boolean }>('POST', '/api/v1/auth/password-reset', { email }) });
}

/** Sets a new password with a mailed token; the server ends every session of the account. */
export function useConfirmPasswordReset() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { token: string; password: string }) => api<{ ok: boolean }>('POST', '/api/v1/auth/password-reset/confirm', input),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.me }),
  });
}

export function useSwitchRole() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (role: string) => {
      // Nothing read under the old role may be asked for once the new one is active.
      await client.cancelQueries({ queryKey: keys.scoped });
      leaveSession();
      try {
        return await api<{ activeRole: { slug: string } }>('PUT', '/api/v1/me/active-role', { role });
      } catch (error) {
        stayInSession();
        throw error;
      }
    },
    // Access changes at once: nothing read under the previous role may stay on screen. The app
    // starts afresh at its home page: dropping the queries under mounted screens would have them
    // fetched again under the new role, which may refuse them (a lookup of a tenant it cannot see).
    onSuccess: () => window.location.assign('/'),
  });
}

export type NewTicket = { subject: string; body: string; helpTopicId?: string; tenantId?: number; priorityId?: string; requesterId?: string };

/** Changes to one ticket; each refreshes the ticket, its thread and the queues. */
export function useTicketActions(id: string) {
  const client = useQueryClient();
  const path = `/api/v1/tickets/${encodeURIComponent(id)}`;
  const refresh = () => client.invalidateQueries({ queryKey: keys.scoped, predicate: (q) => q.queryKey[1] === 'tickets' || q.queryKey[2] === id });
  const options = { onSuccess: refresh };
  return {
    update: useMutation({ mutationFn: (input: { version: number } & Record<string, unknown>) => api<Ticket>('PATCH', path, input), ...options }),
    close: useMutation({ mutationFn: (version: number) => api<Ticket>('POST', `${path}/close`, { version }), ...options }),
    reopen: useMutation({ mutationFn: (version: number) => api<Ticket>('POST', `${path}/reopen`, { version }), ...options }),
  };
}

export function useConfigActions(path: string) {
  const client = useQueryClient();
  const options = { onSuccess: () => client.invalidateQueries({ queryKey: [...keys.scoped, 'config', path] }) };
  return {
    create: useMutation({ mutationFn: (body: Record<string, unknown>) => api<ConfigItem>('POST', `/api/v1/${path}`, body), ...options }),
    remove: useMutation({ mutationFn: (id: string) => api<void>('DELETE', `/api/v1/${path}/${encodeURIComponent(id)}`), ...options }),
  };
}

export function useCreateContact() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: Record<string, unknown>) => api<Contact>('POST', '/api/v1/contacts', body),
    onSuccess: () => client.invalidateQueries({ queryKey: [...keys.scoped, 'contacts'] }),
  });
}
