import type { Me } from '../api/types.ts';

/** Whether the active role grants a permission, exactly or through `prefix.*` (as the server decides). */
export function can(me: Me, permission: string): boolean {
  const granted = me.activeRole.permissions ?? [];
  return granted.some((p) => p === permission || (p.endsWith('.*') && permission.startsWith(p.slice(0, -1))));
}

/**
 * The portal for an active role that works no tickets but its own, the agent panel otherwise. It is
 * the active role that decides (as on the server), not the contact's kind: an agent who switches to
 * a customer role gets the portal at once.
 */
export const isCustomer = (me: Me) => !['ticket.edit', 'ticket.assign', 'ticket.note', 'admin.tenant', 'admin.anything'].some((permission) => can(me, permission));

/** Whether the active role reads more than one tenant (then lists show and filter by tenant). */
export const readsSeveralTenants = (me: Me) => me.access.read === 'all' || me.access.read.length > 1;

export const writesSeveralTenants = (me: Me) => me.access.write === 'all' || me.access.write.length > 1;
