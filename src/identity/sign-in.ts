import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { contactRoles, openSession } from './sessions.ts';
import { verifyPassword } from './passwords.ts';

export type SignInInput = { tenantId: number; host: string; email: string; password: string; ttlMs: number };

/**
 * Signs a contact of the host's tenant in. A wrong email, a wrong password and a disabled account
 * give the same answer in about the same time, so the answer does not tell which accounts exist.
 */
export async function signIn(database: Database, input: SignInInput): Promise<{ token: string; contactId: string }> {
  const contact = await database.owner
    .selectFrom('contacts')
    .select(['id', 'password_hash', 'status'])
    .where('tenant_id', '=', input.tenantId)
    .where('email', '=', input.email.trim().toLowerCase())
    .executeTakeFirst();
  const passwordOk = await verifyPassword(contact?.password_hash, input.password);
  const [role] = contact ? await contactRoles(database, contact.id) : [];
  if (!contact || !passwordOk || contact.status !== 'active' || !role) {
    throw new AppError('UNAUTHENTICATED', 'The email or password is not right.');
  }
  const token = await openSession(database, { tenantId: input.tenantId, contactId: contact.id, roleId: role.id, host: input.host, ttlMs: input.ttlMs });
  return { token, contactId: contact.id };
}
