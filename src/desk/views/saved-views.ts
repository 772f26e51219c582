import { AppError } from '../../errors.ts';
import { worksAsAgent } from '../../identity/permissions.ts';
import { createObject, deleteObject, listObjects, updateObject, type Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';

/** The queue's filters a view keeps, as the queue's address names them (web/src/pages/agent/QueuePage.tsx). */
export const VIEW_FILTERS = ['view', 'status', 'q', 'department', 'tenant', 'sort', 'order'] as const;
export type ViewFilters = Partial<Record<(typeof VIEW_FILTERS)[number], string>>;

/** Saved views are the agent's own tools: a customer's portal has no queue to save. */
function requireAgent(desk: DeskContext): void {
  if (!worksAsAgent(desk.actor)) throw new AppError('FORBIDDEN', 'Only agents keep saved views of the queue.');
}

/** The caller's own saved views, by name. Another agent's are never listed, even in the same tenant. */
export async function listSavedViews(desk: DeskContext): Promise<Row[]> {
  requireAgent(desk);
  return listObjects(desk, 'savedView', { where: { contact_id: desk.actor.contactId }, orderBy: 'name', limit: 100 });
}

/**
 * Saves the queue's filters under a name for the caller, in the caller's tenant (its contact
 * implies it). A name the caller already uses is CONFLICT naming `name`.
 */
export async function saveView(desk: DeskContext, input: { name: string; filters: ViewFilters }): Promise<Row> {
  requireAgent(desk);
  const name = await freeName(desk, input.name);
  const unknown = Object.keys(input.filters).find((key) => !(VIEW_FILTERS as readonly string[]).includes(key));
  if (unknown) throw new AppError('VALIDATION_FAILED', `"${unknown}" is not one of the queue's filters (${VIEW_FILTERS.join(', ')}).`, 'filters');
  return createObject(desk, 'savedView', { contact_id: desk.actor.contactId, name, filters: JSON.stringify(input.filters) });
}

/** Renames one of the caller's views (its filters stay); anyone else's is NOT_FOUND, a name in use CONFLICT. */
export async function renameSavedView(desk: DeskContext, id: string, newName: string): Promise<Row> {
  requireAgent(desk);
  const own = await ownView(desk, id);
  const name = newName.trim();
  if (name === own.name) return own;
  return updateObject(desk, 'savedView', id, { name: await freeName(desk, name) });
}

/** Deletes one of the caller's views; anyone else's, like one that does not exist, is NOT_FOUND. */
export async function deleteSavedView(desk: DeskContext, id: string): Promise<void> {
  requireAgent(desk);
  await ownView(desk, id);
  await deleteObject(desk, 'savedView', id);
}

/** One of the caller's own views. Views are personal: a colleague's is as missing as none. */
async function ownView(desk: DeskContext, id: string): Promise<Row> {
  const [own] = await listObjects(desk, 'savedView', { where: { id, contact_id: desk.actor.contactId }, limit: 1 });
  if (!own) throw new AppError('NOT_FOUND', 'This saved view was not found.');
  return own;
}

/** The name, trimmed, when the caller has no other view of that name. */
async function freeName(desk: DeskContext, raw: string): Promise<string> {
  const name = raw.trim();
  if (!name) throw new AppError('VALIDATION_FAILED', 'Give the view a name.', 'name');
  const [taken] = await listObjects(desk, 'savedView', { where: { contact_id: desk.actor.contactId, name }, limit: 1 });
  if (taken) throw new AppError('CONFLICT', `You already have a view named "${name}".`, 'name');
  return name;
}
