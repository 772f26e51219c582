import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, query } from './client.ts';
import { keys } from './queries.ts';
import type { Contact, TicketPage } from './types.ts';

/** A possible requester of a ticket: a contact of the ticket's tenant. */
export type Requester = { id: string; name: string; email: string; kind: string; tenant: string | null };

/** Contacts of `tenant` (the caller's own when it writes one) whose name or email contains `q`. */
export function useRequesterSearch(tenant: string | undefined, q: string, enabled = true) {
  return useQuery({
    queryKey: [...keys.scoped, 'requesters', tenant ?? null, q],
    queryFn: async () => (await get<{ requesters: Requester[] }>(`/api/v1/requesters${query({ tenant, q: q || undefined })}`)).requesters,
    enabled,
    staleTime: 30_000,
  });
}

/** The tenant's contact with this email address, or a new customer of the tenant. */
export function useAddRequester() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (input: { tenant?: string; email: string; name?: string }) => api<Requester>('POST', '/api/v1/requesters', input),
    onSuccess: () => client.invalidateQueries({ queryKey: keys.scoped, predicate: (q) => q.queryKey[1] === 'requesters' || q.queryKey[1] === 'contacts' }),
  });
}

/** One contact the role reads (404 for any other). */
export function useContact(id: string | null) {
  return useQuery({ queryKey: [...keys.scoped, 'contact', id], queryFn: () => get<Contact>(`/api/v1/contacts/${encodeURIComponent(id ?? '')}`), enabled: id !== null, staleTime: 60_000 });
}

/** The tickets a contact requested that the role reads, newest first. */
export function useRequestedTickets(requesterId: string | null, limit = 10) {
  return useQuery({
    queryKey: [...keys.scoped, 'tickets', 'requested', requesterId, limit],
    queryFn: () => get<TicketPage>(`/api/v1/tickets${query({ requesterId: requesterId ?? undefined, limit })}`),
    enabled: requesterId !== null,
  });
}
