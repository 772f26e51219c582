import type { SignInThrottle } from '../config/config.ts';
import type { TenantDatabases } from './tenant-databases.ts';
import { AppError } from '../errors.ts';
import { recordAudit } from './audit.ts';
import { verifyPassword } from './passwords.ts';
import { contactRoles, openSession } from './sessions.ts';
import { assertNotThrottled, clearAccountFailures, recordSignInFailure } from './sign-in-throttle.ts';

export type SignInInput = {
  tenantId: number;
  host: string;
  email: string;
  password: string;
  ip: string;
  ttlMs: number;
  throttle: SignInThrottle;
};

/**
 * Signs a contact of the host's tenant in. A wrong email, a wrong password and a disabled account
 * give the same answer in about the same time, so the answer does not tell which accounts exist.
 */
export async function signIn(dbs: TenantDatabases, input: SignInInput): Promise<{ token: string; contactId: string }> {
  const database = dbs.tenant;
  const email = input.email.trim().toLowerCase();
  await assertNotThrottled(database, input.throttle, input.tenantId, email, input.ip);
  const contact = await database.system
    .selectFrom('contacts')
    .select(['id', 'password_hash', 'status'])
    .where('tenant_id', '=', input.tenantId)
    .where('email', '=', email)
    .executeTakeFirst();
  const passwordOk = await verifyPassword(contact?.password_hash, input.password);
  const [role] = contact ? await contactRoles(dbs, contact.id) : [];
  if (!contact || !passwordOk || contact.status !== 'active' || !role) {
    await recordSignInFailure(database, input.tenantId, email, input.ip);
    await recordAudit(database.system, { tenantId: input.tenantId, actorContactId: contact?.id ?? null, action: 'auth.sign_in_failed', data: { email }, ip: input.ip });
    throw new AppError('UNAUTHENTICATED', 'The email or password is not right.');
  }
  await clearAccountFailures(database, input.tenantId, email, input.ip);
  const token = await openSession(database, { tenantId: input.tenantId, contactId: contact.id, roleId: role.id, host: input.host, ttlMs: input.ttlMs });
  await recordAudit(database.system, { tenantId: input.tenantId, actorContactId: contact.id, action: 'auth.signed_in', data: { role: role.slug }, ip: input.ip });
  return { token, contactId: contact.id };
}
