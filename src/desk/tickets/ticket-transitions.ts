import type { TicketState } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { hasPermission } from '../../identity/permissions.ts';
import type { DeskContext } from '../desk-context.ts';

/** The four states a ticket's status maps to (ticket_statuses.state). */
export const TICKET_STATES: readonly TicketState[] = ['open', 'pending', 'resolved', 'closed'];

/**
 * The permission to move a ticket from one state to another, e.g. `ticket.status.pending.open`:
 * one per transition (a same-state one changes a tenant's status within the state), so a role
 * grants exactly the moves it means; `ticket.status.*` grants them all, `ticket.status.open.*`
 * every move out of `open`.
 */
export const transitionPermission = (from: TicketState, to: TicketState): string => `ticket.status.${from}.${to}`;

/** What a customer may do to its own ticket's state, whatever its role grants: close it, or reopen it. */
export function isCustomerTransition(from: TicketState, to: TicketState): boolean {
  return (to === 'closed' && from !== 'closed') || (to === 'open' && (from === 'resolved' || from === 'closed'));
}

/** The transitions granted to the public `customer` role (migration 0026): exactly the customer ones. */
export const CUSTOMER_TRANSITIONS: readonly string[] = TICKET_STATES.flatMap((from) =>
  TICKET_STATES.filter((to) => isCustomerTransition(from, to)).map((to) => transitionPermission(from, to)),
);

/**
 * Refuses a status change the caller may not make: its active role must grant the transition, and
 * a customer may only close or reopen. The message names the transition; the field is `status`.
 */
export function requireTransition(desk: DeskContext, from: TicketState, to: TicketState): void {
  const permission = transitionPermission(from, to);
  const customerCapped = desk.actor.kind === 'customer' && !isCustomerTransition(from, to);
  if (customerCapped || !hasPermission(desk.actor.activeRole, permission)) {
    throw new AppError('FORBIDDEN', `Your active role (${desk.actor.activeRole.slug}) may not move a ticket from ${from} to ${to} ("${permission}").`, 'status');
  }
}
