import { useMutation, useQueries, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, query, upload } from './client.ts';
import type { Attachment, BacklogReport, Collaborator, DailyReport, LinkKind, ReportRange, SatisfactionReport, Summary, TicketLink } from './desk-types.ts';
import { keys, POLL_MS } from './queries.ts';
import { pollInterval } from './live-state.ts';
import type { ThreadEntry, Ticket, TicketPage } from './types.ts';

/*
 * The agent panel's and portal's ticket extras (attachments, collaborators, links and merges) and
 * the dashboard's reports. Every key lives under `keys.scoped`, so a role switch drops them all;
 * a ticket's own keys are [scoped, 'ticket', id, ...], refreshed with the ticket.
 */

const ticketPath = (id: string) => `/api/v1/tickets/${encodeURIComponent(id)}`;
const ticketKey = (id: string, what: string) => [...keys.scoped, 'ticket', id, what];

/** A file the server refused (too large, ...) after the message itself was sent. */
export type FailedUpload = { file: File; error: unknown };

/** Attaches files to an entry one by one; the ones refused are reported, the others kept. */
export async function attachFiles(ticketId: string, entryId: string, files: File[]): Promise<FailedUpload[]> {
  const failed: FailedUpload[] = [];
  for (const file of files) {
    try {
      await upload<Attachment>(`${ticketPath(ticketId)}/entries/${encodeURIComponent(entryId)}/attachments`, file);
    } catch (error) {
      failed.push({ file, error });
    }
  }
  return failed;
}

/** `seenEntryId`: the newest entry the writer had seen; the server refuses (TICKET_CHANGED) when others wrote since. */
export type EntryInput = { kind: 'reply' | 'note'; body: string; files?: File[]; seenEntryId?: string | undefined };

/** A reply or note, then its files: the message is sent even when a file is refused. */
export async function addEntryWithFiles(ticketId: string, input: EntryInput): Promise<{ entry: ThreadEntry; failed: FailedUpload[] }> {
  const entry = await api<ThreadEntry>('POST', `${ticketPath(ticketId)}/${input.kind === 'note' ? 'notes' : 'replies'}`, { body: input.body, ...(input.seenEntryId ? { seenEntryId: input.seenEntryId } : {}) });
  return { entry, failed: input.files?.length ? await attachFiles(ticketId, entry.id, input.files) : [] };
}

/** A new ticket, then the files of its first message (the thread's first reply, which the creator wrote). */
export async function openTicketWithFiles(input: object, files: File[]): Promise<{ ticket: Ticket; failed: FailedUpload[] }> {
  const ticket = await api<Ticket>('POST', '/api/v1/tickets', input);
  if (!files.length) return { ticket, failed: [] };
  const { entries } = await get<{ entries: ThreadEntry[] }>(`${ticketPath(ticket.id)}/thread`);
  const first = entries.find((e) => e.kind === 'reply');
  if (!first) return { ticket, failed: files.map((file) => ({ file, error: new Error('The ticket has no first message to attach files to.') })) };
  return { ticket, failed: await attachFiles(ticket.id, first.id, files) };
}

/** Writing to a ticket: a reply or note with its files; refreshes the ticket, its thread and files, and the queues. */
export function useAddEntry(ticketId: string) {
  const refresh = useRefreshTickets();
  return useMutation({ mutationFn: (input: EntryInput) => addEntryWithFiles(ticketId, input), onSuccess: () => refresh(ticketId) });
}

/** A macro applied to a ticket (its reply and changes at once), based on the version shown. */
export function useApplyMacro(ticketId: string) {
  const refresh = useRefreshTickets();
  return useMutation({
    mutationFn: (input: { macroId: string; version: number }) => api<Ticket>('POST', `${ticketPath(ticketId)}/macros/${encodeURIComponent(input.macroId)}`, { version: input.version }),
    onSuccess: () => refresh(ticketId),
  });
}

export function useOpenTicket() {
  const refresh = useRefreshTickets();
  return useMutation({ mutationFn: (input: { ticket: object; files: File[] }) => openTicketWithFiles(input.ticket, input.files), onSuccess: () => refresh() });
}

/** The files of a ticket the caller may see, by thread entry. */
export function useAttachments(ticketId: string) {
  return useQuery({
    queryKey: ticketKey(ticketId, 'attachments'),
    queryFn: async () => {
      const { items } = await get<{ items: Attachment[] }>(`${ticketPath(ticketId)}/attachments`);
      const byEntry = new Map<string, Attachment[]>();
      for (const item of items) byEntry.set(item.entryId, [...(byEntry.get(item.entryId) ?? []), item]);
      return byEntry;
    },
    refetchInterval: pollInterval,
  });
}

/** Refreshes a ticket and everything shown with it, and the queues. */
function useRefreshTickets() {
  const client = useQueryClient();
  return (...ids: string[]) => client.invalidateQueries({ queryKey: keys.scoped, predicate: (q) => q.queryKey[1] === 'tickets' || ids.includes(q.queryKey[2] as string) });
}

export function useCollaborators(ticketId: string) {
  return useQuery({ queryKey: ticketKey(ticketId, 'collaborators'), queryFn: async () => (await get<{ items: Collaborator[] }>(`${ticketPath(ticketId)}/collaborators`)).items });
}

export function useCollaboratorActions(ticketId: string) {
  const refresh = useRefreshTickets();
  const onSuccess = () => refresh(ticketId);
  return {
    add: useMutation({ mutationFn: (contactId: string) => api<Collaborator>('POST', `${ticketPath(ticketId)}/collaborators`, { contactId }), onSuccess }),
    remove: useMutation({ mutationFn: (contactId: string) => api<void>('DELETE', `${ticketPath(ticketId)}/collaborators/${encodeURIComponent(contactId)}`), onSuccess }),
  };
}

/** A ticket's links with the other ticket of each (read one by one: a ticket has a handful). */
export function useLinks(ticketId: string) {
  const links = useQuery({ queryKey: ticketKey(ticketId, 'links'), queryFn: async () => (await get<{ links: TicketLink[] }>(`${ticketPath(ticketId)}/links`)).links });
  const others = (links.data ?? []).map((l) => (l.ticketId === ticketId ? l.linkedTicketId : l.ticketId));
  const tickets = useRelatedTickets(others);
  return { links, tickets };
}

/** Other tickets by id (linked, merged into), as the ticket page caches them. */
export function useRelatedTickets(ids: string[]) {
  const results = useQueries({ queries: ids.map((id) => ({ queryKey: [...keys.scoped, 'ticket', id], queryFn: () => get<Ticket>(ticketPath(id)), staleTime: 30_000 })) });
  return new Map(ids.flatMap((id, i) => (results[i]?.data ? [[id, results[i].data] as const] : [])));
}

export function useMergeAndLink(ticketId: string) {
  const refresh = useRefreshTickets();
  return {
    merge: useMutation({
      mutationFn: (input: { targetId: string; version: number }) => api<Ticket>('POST', `${ticketPath(ticketId)}/merge`, input),
      onSuccess: (_ticket, input) => refresh(ticketId, input.targetId),
    }),
    link: useMutation({
      mutationFn: (input: { ticketId: string; kind: LinkKind }) => api<TicketLink>('POST', `${ticketPath(ticketId)}/links`, input),
      onSuccess: (_link, input) => refresh(ticketId, input.ticketId),
    }),
  };
}

/** Tickets of one tenant matching words of their number, subject or thread (to merge or link with). */
export function useTicketSearch(text: string, tenantId: number | null) {
  return useQuery({
    queryKey: [...keys.scoped, 'tickets', 'search', text, tenantId],
    queryFn: async () => (await get<TicketPage>(`/api/v1/tickets${query({ q: text, tenantId, limit: 10 })}`)).items,
    enabled: text.trim().length > 0,
  });
}

const reportQuery = (range: ReportRange) => query({ from: range.from, to: range.to, timeZone: range.timeZone, tenantId: range.tenantId });

export function useSummary(range: ReportRange) {
  return useQuery({ queryKey: [...keys.scoped, 'reports', 'summary', range], queryFn: () => get<Summary>(`/api/v1/reports/summary${reportQuery(range)}`), refetchInterval: POLL_MS * 3 });
}

export function useDaily(range: ReportRange) {
  return useQuery({ queryKey: [...keys.scoped, 'reports', 'daily', range], queryFn: () => get<DailyReport>(`/api/v1/reports/daily${reportQuery(range)}`), refetchInterval: POLL_MS * 3 });
}

export function useSatisfaction(tenantId: number | undefined) {
  return useQuery({ queryKey: [...keys.scoped, 'reports', 'satisfaction', tenantId ?? null], queryFn: () => get<SatisfactionReport>(`/api/v1/reports/satisfaction${query({ tenantId })}`), refetchInterval: POLL_MS * 3 });
}

export function useBacklog(by: BacklogReport['by'], tenantId: number | undefined) {
  return useQuery({
    queryKey: [...keys.scoped, 'reports', 'backlog', by, tenantId ?? null],
    queryFn: () => get<BacklogReport>(`/api/v1/reports/backlog${query({ by, tenantId })}`),
    refetchInterval: POLL_MS * 3,
  });
}
