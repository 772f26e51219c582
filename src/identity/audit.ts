import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';

export type AuditEntry = {
  tenantId: number;
  actorContactId?: string | null;
  action: string;
  objectType?: string;
  objectId?: string;
  data?: Record<string, unknown>;
  ip?: string;
};

/**
 * Appends an event to the tenant's audit log. Security events (a failed sign-in) have no signed-in
 * actor and happen before any tenant scope exists, so this writes through the owner connection,
 * or through the caller's transaction so the event commits with the change it records.
 */
export async function recordAudit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await db
    .insertInto('audit_events')
    .values({
      tenant_id: entry.tenantId,
      actor_contact_id: entry.actorContactId ?? null,
      action: entry.action,
      object_type: entry.objectType ?? null,
      object_id: entry.objectId ?? null,
      data: JSON.stringify(entry.data ?? {}),
      ip: entry.ip ?? null,
    })
    .execute();
}
