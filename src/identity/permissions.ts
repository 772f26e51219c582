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
