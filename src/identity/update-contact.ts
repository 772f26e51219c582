import type { ContactKind } from '../db/schema.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { findObject, inTransaction, updateObject, type Row } from '../tenancy/data-access.ts';
import { recordAuditInScope } from './audit.ts';
import { credentialsChanged } from './credential-cache.ts';

export type UpdateContactInput = { name?: string; kind?: ContactKind; status?: 'active' | 'disabled' };

/**
 * Changes a contact's name, kind or status through the data-access layer (another tenant's contact
 * is NOT_FOUND). A disabled contact can no longer sign in and its sessions and keys stop working at
 * once (sessions.ts checks the status on every request). Nobody disables themselves by mistake.
 */
export async function updateContact(ctx: TenancyContext, id: string, input: UpdateContactInput, actorContactId: string): Promise<Row> {
  if (id === actorContactId && input.status === 'disabled') throw new AppError('VALIDATION_FAILED', 'You cannot disable your own account.', 'status');
  if (input.name !== undefined && !input.name.trim()) throw new AppError('VALIDATION_FAILED', 'A name cannot be empty.', 'name');
  const current = await findObject(ctx, 'contact', id);
  const patch: Row = {
    ...(input.name !== undefined ? { name: input.name.trim() } : {}),
    ...(input.kind !== undefined ? { kind: input.kind } : {}),
    ...(input.status !== undefined ? { status: input.status } : {}),
    updated_at: new Date(),
  };
  const updated = await inTransaction(ctx, async (tx) => {
    const contact = await updateObject(tx, 'contact', id, patch);
    const changes = Object.fromEntries(Object.keys(input).map((field) => [field, { from: current[field] ?? null, to: contact[field] ?? null }]));
    await recordAuditInScope(tx, { tenantId: contact.tenant_id as number, actorContactId, action: 'contact.updated', objectType: 'contact', objectId: id, data: { changes } });
    return contact;
  }, current.tenant_id as number);
  credentialsChanged(current.tenant_id as number);
  return updated;
}
