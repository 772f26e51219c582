import { AppError } from '../../errors.ts';
import { createObject, findObject, listObjects, updateObject, deleteObject, type Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';

export type Activity = 'viewing' | 'replying';

/** How long a mark lasts: the page renews it every 10 s, so a closed tab is forgotten within this. */
export const PRESENCE_TTL_MS = 30_000;

/** Someone else on the ticket now, as the collision notice shows them. */
export type Presence = { readonly contactId: string; readonly name: string; readonly activity: Activity; readonly expiresAt: Date };

/** Refusals of the write that leave the notice working: a role reading a tenant it may not write still sees who is there. */
const READ_ONLY = new Set(['TENANT_ACCESS_DENIED', 'DATA_PARTITION_DENIED', 'FORBIDDEN']);

/**
 * Marks the caller (shown as `name`, its own) as viewing or replying on a ticket it may read, for PRESENCE_TTL_MS, and answers
 * who else is on it now (decision 0121). The rows live in the ticket's database, so every process
 * sees the same; expired ones are simply not shown.
 */
export async function markPresence(desk: DeskContext, ticketId: string, mark: { activity: Activity; name: string }): Promise<Presence[]> {
  const { activity, name } = mark;
  // Reading the ticket first applies the caller's tenants and data partitions.
  const ticket = await findObject(desk, 'ticket', ticketId);
  const rows = await presenceRows(desk, ticket.id as string);
  const own = rows.find((r) => r.contact_id === desk.actor.contactId);
  const expires_at = new Date(Date.now() + PRESENCE_TTL_MS);
  try {
    if (own) await updateObject(desk, 'ticketPresence', own.id as string, { activity, expires_at, contact_name: name });
    else await createObject(desk, 'ticketPresence', { ticket_id: ticket.id, contact_id: desk.actor.contactId, contact_name: name, activity, expires_at });
  } catch (error) {
    // Two tabs of one person marking at once: the other one's mark stands for both.
    if (!(error instanceof AppError && (READ_ONLY.has(error.code) || error.code === 'CONFLICT'))) throw error;
  }
  return present(rows, desk.actor.contactId);
}

/** The caller leaves the ticket (its page closed): its mark goes at once rather than expire. */
export async function leaveTicket(desk: DeskContext, ticketId: string): Promise<void> {
  const ticket = await findObject(desk, 'ticket', ticketId);
  const own = (await presenceRows(desk, ticket.id as string)).find((r) => r.contact_id === desk.actor.contactId);
  if (own) await deleteObject(desk, 'ticketPresence', own.id as string);
}

function presenceRows(desk: DeskContext, ticketId: string): Promise<Row[]> {
  return listObjects(desk, 'ticketPresence', { where: { ticket_id: ticketId }, limit: 100 });
}

/** Others whose mark has not expired, those replying first. */
function present(rows: Row[], self: string): Presence[] {
  const now = Date.now();
  return rows
    .filter((r) => r.contact_id !== self && new Date(r.expires_at as string).getTime() > now)
    .map((r) => ({ contactId: r.contact_id as string, name: r.contact_name as string, activity: r.activity as Activity, expiresAt: new Date(r.expires_at as string) }))
    .sort((a, b) => Number(b.activity === 'replying') - Number(a.activity === 'replying') || a.name.localeCompare(b.name));
}
