import type { Me } from '../api/types.ts';

/** Whether the active role grants a permission, exactly or through `prefix.*` (as the server decides). */
export function can(me: Me, permission: string): boolean {
  const granted = me.activeRole.permissions ?? [];
  return granted.some((p) => p === permission || (p.endsWith('.*') && permission.startsWith(p.slice(0, -1))));
}

/** Customers get the portal; agents and staff the agent panel. */
export const isCustomer = (me: Me) => me.contact.kind === 'customer';

/** Whether the active role reads more than one tenant (then lists show and filter by tenant). */
export const readsSeveralTenants = (me: Me) => me.access.read === 'all' || me.access.read.length > 1;

export const writesSeveralTenants = (me: Me) => me.access.write === 'all' || me.access.write.length > 1;
