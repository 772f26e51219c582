import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { createObject, findObject, inTransaction, type Row } from '../../tenancy/data-access.ts';
import { requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { sanitizeBody } from '../sanitize.ts';
import { recordFirstResponse } from '../../sla/ticket-sla.ts';
import { notifyParticipants } from '../../mail/queue-mail.ts';
import { reopenOnCustomerReply } from '../tickets/ticket-lifecycle.ts';
import { emitWebhookEvent } from '../../webhooks/webhook-events.ts';
import { listThread } from './list-thread.ts';

/** A public reply (seen by the requester and collaborators) or an internal note (agents only). */
export type EntryKind = 'reply' | 'note';

const PERMISSION: Record<EntryKind, string> = { reply: 'ticket.reply', note: 'ticket.note' };

/**
 * Adds a reply or a note to a ticket the caller can read; the HTML is sanitised on the way in.
 * `seenEntryId`, the newest entry the writer had seen when it began, makes the write refuse
 * (TICKET_CHANGED) when someone else has added to the thread since: the writer reviews, then sends
 * again without it.
 */
export async function addThreadEntry(desk: DeskContext, ticketId: string, input: { kind: EntryKind; body: string; seenEntryId?: string }): Promise<Row> {
  requireDeskPermission(desk, PERMISSION[input.kind]);
  const body = sanitizeBody(input.body);
  if (!body) throw new AppError('VALIDATION_FAILED', 'The message is empty once unsafe HTML is removed.', 'body');
  // Reading the ticket first applies the caller's tenants and data partitions (a customer's own tickets).
  const ticket = await findObject(desk, 'ticket', ticketId);
  if (input.kind === 'reply' && !ticket.requester_id) {
    throw new AppError('REQUESTER_REQUIRED', 'This ticket has no requester, so a reply would reach no customer: set its requester first, or write an internal note.', 'requesterId');
  }
  if (input.seenEntryId !== undefined) await refuseIfChangedSince(desk, ticketId, input.seenEntryId);
  return inTransaction(desk, async (tx) => {
    const entry = await createObject(tx, 'threadEntry', { ticket_id: ticket.id, kind: input.kind, author_id: desk.actor.contactId, body_html: body });
    if (input.kind === 'reply' && desk.actor.kind !== 'customer') await recordFirstResponse(tx, ticket);
    if (input.kind === 'reply') await reopenOnCustomerReply(tx, ticket.id as string);
    // Mailed to the requester and collaborators with the entry, in its transaction; notes never are.
    await notifyParticipants(tx, ticket, entry, desk.actor);
    await recordAuditInScope(tx, {
      tenantId: ticket.tenant_id as number,
      actorContactId: desk.actor.contactId,
      action: `ticket.${input.kind}_added`,
      objectType: 'ticket',
      objectId: ticket.id as string,
      data: { entryId: entry.id },
    });
    // Notes go only to subscriptions that asked for thread.note_added; the payload never carries the text.
    await emitWebhookEvent(tx, ticket.tenant_id as number | null, input.kind === 'note' ? 'thread.note_added' : 'thread.reply_added', { ticket: { id: ticket.id, number: ticket.number }, entry: { id: entry.id, kind: entry.kind, authorId: entry.author_id, createdAt: entry.created_at } });
    return entry;
  }, ticket.tenant_id as number | null);
}

/**
 * The thread as the writer may read it, after the entry it had seen: anything written there by
 * someone else (a reply, a note, a status or assignment event) means the writer answers a ticket
 * that is no longer the one it read. Its own entries and changes do not count.
 */
async function refuseIfChangedSince(desk: DeskContext, ticketId: string, seenEntryId: string): Promise<void> {
  const entries = await listThread(desk, ticketId);
  const seen = entries.findIndex((e) => e.id === seenEntryId);
  const after = seen < 0 ? entries : entries.slice(seen + 1);
  const others = after.filter((e) => e.author_id !== desk.actor.contactId).length;
  if (others > 0) {
    throw new AppError('TICKET_CHANGED', `This ticket changed since you began writing (${others} new ${others === 1 ? 'entry' : 'entries'} by others): review them, then send again to send anyway.`, 'seenEntryId');
  }
}
