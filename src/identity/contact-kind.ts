import type { ContactKind } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/** Permissions that only the people who work tickets hold: a role granting none of them is a customer's role. */
const DESK_PERMISSIONS = ['ticket.edit', 'ticket.assign', 'ticket.note', 'admin.'];

/** Whether a role is one a customer holds (it works no tickets but its own), judged from its permissions. */
export function isCustomerRole(role: { permissions: string[] | null }): boolean {
  return !(role.permissions ?? []).some((p) => DESK_PERMISSIONS.some((desk) => p === desk || (desk.endsWith('.') && p.startsWith(desk))));
}

/**
 * The contact's kind: the one asked for, or the default role's side when none is asked for
 * (`--role customer` alone makes a customer). A kind that contradicts the default role is refused,
 * since the screens and the mail rules follow the kind.
 */
export function contactKindFor(kind: ContactKind | undefined, defaultRole: { slug: string; permissions: string[] | null } | undefined): ContactKind {
  if (!defaultRole) return kind ?? 'agent';
  const customerRole = isCustomerRole(defaultRole);
  if (kind === undefined) return customerRole ? 'customer' : 'agent';
  if (customerRole !== (kind === 'customer'))
    throw new AppError(
      'VALIDATION_FAILED',
      `A contact of kind "${kind}" cannot have "${defaultRole.slug}" as its default role: it is ${customerRole ? "a customer's" : "an agent's"} role. Give a matching kind, or leave the kind out to follow the role.`,
      'kind',
    );
  return kind;
}
