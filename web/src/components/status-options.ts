import type { TicketState, TicketStatus } from '../api/types.ts';

/** The workflow's order: a ticket moves from open towards closed, so the choices do too. */
export const STATE_ORDER: readonly TicketState[] = ['open', 'pending', 'resolved', 'closed'];

/**
 * Ticket statuses as choices, in workflow order (by state, then the status's own position), never
 * by name. A built-in status (its slug is its state) is named in the reader's language, as its
 * badge is; a status a tenant made up keeps the name it was given.
 */
export function statusOptions(statuses: readonly TicketStatus[], stateLabel: (state: TicketState) => string): { value: string; label: string }[] {
  return [...statuses]
    .sort((a, b) => STATE_ORDER.indexOf(a.state) - STATE_ORDER.indexOf(b.state) || (a.position ?? 0) - (b.position ?? 0))
    .map((s) => ({ value: s.slug, label: s.slug === s.state ? stateLabel(s.state) : s.name }));
}
