import type { Role } from '../db/schema.ts';
import { AppError } from '../errors.ts';

/** Whether a role grants a permission: exactly, or through a `prefix.*` wildcard. */
export function hasPermission(role: Pick<Role, 'permissions'>, permission: string): boolean {
  return role.permissions.some((p) => p === permission || (p.endsWith('.*') && permission.startsWith(p.slice(0, -1))));
}

export function requirePermission(role: Pick<Role, 'permissions' | 'slug'>, permission: string): void {
  if (!hasPermission(role, permission)) {
    throw new AppError('FORBIDDEN', `Your active role (${role.slug}) does not grant "${permission}".`);
  }
}

/**
 * Whether `granter` may give `role` to someone: a full administrator (admin.*) may give any role;
 * a tenant administrator only roles confined to the contact's own tenant with no admin.* rights,
 * so nobody can hand out more access than a tenant administrator has.
 */
export function assertCanGrant(granter: Pick<Role, 'permissions'>, role: Role): void {
  if (hasPermission(granter, 'admin.anything')) return;
  const confined = role.read_access === 'own' && role.write_access === 'own' && !role.may_write_public;
  if (!confined || role.permissions.some((p) => p === 'admin.*')) {
    throw new AppError('FORBIDDEN', `Your active role may not grant the role "${role.slug}".`, 'roles');
  }
}

/**
 * Whether the actor works the desk as an agent: a contact who is not a customer, whose active role
 * writes internal notes. What agents alone read (notes, canned responses) is decided here, once.
 */
export function worksAsAgent(actor: { kind: string; activeRole: Pick<Role, 'permissions'> }): boolean {
  return actor.kind !== 'customer' && hasPermission(actor.activeRole, 'ticket.note');
}

/** A status transition's permission (desk/tickets/ticket-transitions.ts), or a wildcard over some. */
const TRANSITION = /^ticket\.status\.(\*|(open|pending|resolved|closed)\.(\*|open|pending|resolved|closed))$/;

/** Permissions that no longer exist, with what replaced them: a role granting one would grant nothing. */
const RETIRED: Readonly<Record<string, string>> = {
  'ticket.close': 'a status change is a permission per transition, ticket.status.<from>.<to> (e.g. ticket.status.open.closed), or ticket.status.* for every one',
};

/**
 * Refuses permission names a role definition cannot mean: a retired permission, or a status
 * transition naming a state that does not exist. (Other names are free: a tenant may prepare roles
 * for rights still to come.)
 */
export function assertPermissionNames(permissions: readonly string[]): void {
  for (const permission of permissions) {
    const replacement = Object.hasOwn(RETIRED, permission) ? RETIRED[permission] : undefined;
    if (replacement) throw new AppError('VALIDATION_FAILED', `The permission "${permission}" no longer exists: ${replacement}.`, 'permissions');
    if (permission.startsWith('ticket.status.') && !TRANSITION.test(permission)) {
      throw new AppError('VALIDATION_FAILED', `"${permission}" is not a status transition: write ticket.status.<from>.<to>, each of open, pending, resolved, closed (or * for any target).`, 'permissions');
    }
  }
}

/** The installation's own administration (tenants, tenant groups, placement): service-provider administrators. */
export const INSTALLATION_ADMIN = 'admin.installation';

/**
 * Whether `definer` may create or change a role defined as `role`. A full administrator may define
 * any; a tenant administrator only a role confined to its holders' own tenant, not writing public
 * objects, granting no permission the definer does not hold itself: nobody makes a role stronger
 * than their own.
 */
export function assertCanDefineRole(
  definer: Pick<Role, 'permissions'>,
  role: Pick<Role, 'read_access' | 'write_access' | 'may_write_public' | 'permissions'>,
): void {
  if (hasPermission(definer, 'admin.anything')) return;
  if (role.read_access !== 'own' || role.write_access !== 'own') {
    throw new AppError('FORBIDDEN', 'Your active role may only define roles that read and write their holders’ own tenant ("own").', role.read_access !== 'own' ? 'read' : 'write');
  }
  if (role.may_write_public) throw new AppError('FORBIDDEN', 'Your active role may not define a role that writes public objects.', 'mayWritePublic');
  const stronger = role.permissions.find((p) => !hasPermission(definer, p));
  if (stronger) throw new AppError('FORBIDDEN', `Your active role may not give the permission "${stronger}", which it does not hold itself.`, 'permissions');
}
