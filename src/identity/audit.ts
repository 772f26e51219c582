import type { Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import type { ObjectTypeName } from '../db/registry.ts';
import { createObject, deleteObject, findObject, inTransaction, type Companion, type Row } from '../tenancy/data-access.ts';

export type AuditEntry = {
  tenantId: number;
  actorContactId?: string | null;
  action: string;
  objectType?: string;
  objectId?: string;
  data?: Record<string, unknown>;
  ip?: string;
};

/** The row of an audit event. */
function auditRow(entry: AuditEntry) {
  return {
    tenant_id: entry.tenantId,
    actor_contact_id: entry.actorContactId ?? null,
    action: entry.action,
    object_type: entry.objectType ?? null,
    object_id: entry.objectId ?? null,
    data: JSON.stringify(entry.data ?? {}),
    ip: entry.ip ?? null,
  };
}

/**
 * Appends an event to the tenant's audit log. Security events (a failed sign-in) have no signed-in
 * actor and happen before any tenant scope exists, so this writes through the owner connection,
 * or through the caller's transaction so the event commits with the change it records.
 */
export async function recordAudit(db: Kysely<DB>, entry: AuditEntry): Promise<void> {
  await db.insertInto('audit_events').values(auditRow(entry)).execute();
}

/**
 * Appends an event through the scoped data-access layer, inside the caller's unit of work: the
 * write rules apply (the actor may reference the service provider's contact), and the event
 * commits or rolls back with the change it records.
 */
export async function recordAuditInScope(ctx: TenancyContext, entry: AuditEntry): Promise<void> {
  await createObject(ctx, 'auditEvent', auditRow(entry));
}

/** The same event, written in the statement of the change it records (`createObject`'s `with`). */
export function auditCompanion(entry: AuditEntry): Companion {
  return { name: 'auditEvent', values: auditRow(entry) };
}

/**
 * Deletes an object the context can read and write, and records `action` (with what `describe` says
 * of the row) in the same unit of work. Another tenant's object is NOT_FOUND. Returns the deleted row.
 */
export async function deleteAudited(ctx: TenancyContext, type: ObjectTypeName, id: string, action: string, describe: (row: Row) => Record<string, unknown>): Promise<Row> {
  const row = await findObject(ctx, type, id);
  const tenantId = row.tenant_id as number;
  await inTransaction(ctx, async (tx) => {
    await deleteObject(tx, type, id);
    await recordAuditInScope(tx, { tenantId, action, objectType: type, objectId: id, data: describe(row) });
  }, tenantId);
  return row;
}
