import type { Database } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { enqueue } from '../jobs/enqueue.ts';
import { sendMail } from '../mail/queue-mail.ts';
import { recordAudit } from './audit.ts';
import { hashPassword } from './passwords.ts';
import { digest, randomToken } from './tokens.ts';

const RESET_TTL_MS = 30 * 60_000;

/**
 * Queues a password-reset mail if `email` is a contact of the tenant; says nothing either way.
 * The link is built from `host`, the tenant's own configured host (its first, from the catalog),
 * never from the request's Host header, so a forged header cannot send the token to an attacker's site.
 */
export async function requestPasswordReset(
  database: Database,
  input: { tenantId: number; email: string; origin: string | undefined; ip: string },
): Promise<void> {
  const email = input.email.trim().toLowerCase();
  await database.system.transaction().execute(async (tx) => {
    const contact = await tx.selectFrom('contacts').select(['id', 'name']).where('tenant_id', '=', input.tenantId).where('email', '=', email).where('status', '=', 'active').executeTakeFirst();
    if (!contact || !input.origin) return;
    const token = randomToken();
    await tx.insertInto('password_resets').values({ id: digest(token), tenant_id: input.tenantId, contact_id: contact.id, expires_at: new Date(Date.now() + RESET_TTL_MS) }).execute();
    const link = `${input.origin}/reset-password?token=${token}`;
    const mail = await tx
      .insertInto('mail_outbox')
      .values({
        tenant_id: input.tenantId,
        to_address: email,
        subject: 'Reset your password',
        body_text: `Hello ${contact.name},\n\nTo choose a new password, open this link within 30 minutes:\n${link}\n\nIf you did not ask for this, ignore this message.\n`,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    // Sent now, not at the outbox sweep (every 5 minutes, rows over a minute old): the link lives 30 minutes and the person is waiting.
    await enqueue(tx, sendMail, { tenantId: input.tenantId, payload: { outboxId: mail.id }, key: mail.id });
    await recordAudit(tx, { tenantId: input.tenantId, actorContactId: contact.id, action: 'auth.password_reset_requested', ip: input.ip });
  });
}

/** Sets a new password with a reset token: single use, 30 minutes, this tenant only; ends all sessions. */
export async function confirmPasswordReset(database: Database, input: { tenantId: number; token: string; password: string; ip: string }): Promise<void> {
  const passwordHash = await hashPassword(input.password);
  await database.system.transaction().execute(async (tx) => {
    const used = await tx
      .updateTable('password_resets')
      .set({ used_at: new Date() })
      .where('id', '=', digest(input.token))
      .where('tenant_id', '=', input.tenantId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('contact_id')
      .executeTakeFirst();
    if (!used) throw new AppError('VALIDATION_FAILED', 'This reset link is not valid any more; ask for a new one.', 'token');
    await tx.updateTable('contacts').set({ password_hash: passwordHash, updated_at: new Date() }).where('id', '=', used.contact_id).execute();
    await tx.updateTable('sessions').set({ revoked_at: new Date() }).where('contact_id', '=', used.contact_id).where('revoked_at', 'is', null).execute();
    await recordAudit(tx, { tenantId: input.tenantId, actorContactId: used.contact_id, action: 'auth.password_reset', ip: input.ip });
  });
}
