import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { createObject, findObject, inTransaction, listObjects, tenantOfNew, updateObject, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { slugify } from './article-input.ts';
import { readEveryPass, type KbReader } from './kb-reader.ts';

export type CategoryInput = { name?: string; slug?: string; parentId?: string | null; position?: number; tenantId?: number | null };

/**
 * The categories the reader browses: its own tenants', public ones and those of the tenants above
 * the host (a subtenant files its articles under its parent's categories too), by position.
 */
export async function listKbCategories(reader: KbReader): Promise<Row[]> {
  const rows = await readEveryPass(reader, (pass) => listObjects(pass.ctx, 'kbCategory', { orderBy: 'position', limit: 500 }));
  return rows
    .sort((a, b) => (a.position as number) - (b.position as number) || String(a.name).localeCompare(String(b.name)));
}

function columns(input: CategoryInput): Row {
  const row: Row = {};
  if (input.name !== undefined) {
    if (!input.name.trim()) throw new AppError('VALIDATION_FAILED', 'A category needs a name.', 'name');
    row.name = input.name.trim();
  }
  if (input.slug !== undefined) row.slug = slugify(input.slug);
  if (input.parentId !== undefined) row.parent_id = input.parentId;
  if (input.position !== undefined) row.position = input.position;
  return row;
}

/** Refuses a parent that is the category itself or one of its descendants: categories nest as a tree. */
async function assertNoCycle(desk: DeskContext, id: string, parentId: unknown): Promise<void> {
  for (let at = parentId, depth = 0; typeof at === 'string' && depth < 100; depth++) {
    if (at === id) throw new AppError('VALIDATION_FAILED', 'A category cannot be placed inside itself or one of its subcategories.', 'parentId');
    at = (await findObject(desk, 'kbCategory', at).catch(() => undefined))?.parent_id;
  }
}

async function audit(desk: DeskContext, row: Row, action: string, data: Record<string, unknown>): Promise<void> {
  const tenantId = (row.tenant_id as number | null) ?? desk.catalog.serviceProvider?.id;
  if (tenantId !== undefined) await recordAuditInScope(desk, { tenantId, actorContactId: desk.actor.contactId, action: `kbCategory.${action}`, objectType: 'kbCategory', objectId: row.id as string, data });
}

/** A new category, in the tenant given (`null`: public) or the role's only one; editors only. */
export async function createKbCategory(desk: DeskContext, input: CategoryInput & { name: string }): Promise<Row> {
  requireDeskPermission(desk, 'kb.publish');
  const values = { slug: slugify(input.name), ...columns(input) };
  const tenantId = await tenantOfNew(desk, 'kbCategory', input.tenantId === undefined ? values : { ...values, tenant_id: input.tenantId });
  return inTransaction(desk, async (tx) => {
    const row = await createObject(tx, 'kbCategory', { ...values, tenant_id: tenantId });
    await audit(tx, row, 'created', { name: row.name });
    return row;
  }, tenantId);
}

export async function updateKbCategory(desk: DeskContext, id: string, input: CategoryInput): Promise<Row> {
  requireDeskPermission(desk, 'kb.publish');
  const current = await findObject(desk, 'kbCategory', id);
  const patch = columns(input);
  if ('parent_id' in patch) await assertNoCycle(desk, id, patch.parent_id);
  return inTransaction(desk, async (tx) => {
    const row = await updateObject(tx, 'kbCategory', id, patch);
    await audit(tx, row, 'updated', { changes: patch });
    return row;
  }, current.tenant_id as number | null);
}
