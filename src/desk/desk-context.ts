import type { Actor } from '../identity/sessions.ts';
import { requirePermission, worksAsAgent } from '../identity/permissions.ts';
import type { TenancyContext } from '../tenancy/context.ts';

/** Who acts at the desk: the contact (for authorship and the audit log) and its active role. */
export type DeskActor = Pick<Actor, 'contactId' | 'kind' | 'activeRole'>;

/** What every desk use case takes: the tenancy context of the active role, and the actor. */
export type DeskContext = TenancyContext & { readonly actor: DeskActor };

export function requireDeskPermission(desk: DeskContext, permission: string): void {
  requirePermission(desk.actor.activeRole, permission);
}

/** Internal notes are for agents: a customer never reads them, whatever its role grants. */
export function mayReadNotes(desk: DeskContext): boolean {
  return worksAsAgent(desk.actor);
}
