import { AppError } from '../../errors.ts';
import type { Row } from '../../tenancy/data-access.ts';
import type { DeskContext } from '../desk-context.ts';
import { mergeTicket } from './merge-ticket.ts';
import { assignTicket, closeTicket } from './ticket-lifecycle.ts';
import { updateTicket } from './update-ticket.ts';

export type BulkAction =
  | { action: 'assign'; assigneeId: string | null }
  | { action: 'status'; status: string }
  | { action: 'close' }
  | { action: 'merge'; targetId: string };

/** A ticket of the selection, with the version the queue showed (a change made since is CONFLICT). */
export type BulkItem = { id: string; version: number };

export type BulkResult = { id: string; ok: true; ticket: Row } | { id: string; ok: false; error: { code: string; message: string; field?: string } };

export const BULK_LIMIT = 100;

/**
 * Applies one action to each ticket of a selection, each on its own: every ticket is one use case
 * (update, close, merge) in its own unit of work, with its own permission checks (a status change is
 * its transition's permission, an assignee must work the tenant), so a ticket is changed entirely
 * or not at all, and one refused ticket does not stop the others. Each ticket's outcome is reported.
 */
export async function bulkUpdateTickets(desk: DeskContext, items: readonly BulkItem[], action: BulkAction): Promise<BulkResult[]> {
  const ids = new Set(items.map((i) => i.id));
  if (ids.size !== items.length) throw new AppError('VALIDATION_FAILED', 'Each ticket may be named once.', 'tickets');
  if (items.length > BULK_LIMIT) throw new AppError('VALIDATION_FAILED', `At most ${BULK_LIMIT} tickets at a time.`, 'tickets');
  const results: BulkResult[] = [];
  for (const item of items) {
    try {
      results.push({ id: item.id, ok: true, ticket: await applyTo(desk, item, action) });
    } catch (error) {
      // A refusal is this ticket's outcome; a fault of the database is everyone's and stops the batch.
      if (!(error instanceof AppError) || error.status >= 500) throw error;
      results.push({ id: item.id, ok: false, error: error.toJSON().error });
    }
  }
  return results;
}

function applyTo(desk: DeskContext, item: BulkItem, action: BulkAction): Promise<Row> {
  switch (action.action) {
    case 'assign':
      return assignTicket(desk, item.id, { assigneeId: action.assigneeId }, item.version);
    case 'status':
      return updateTicket(desk, item.id, { status: action.status }, item.version);
    case 'close':
      return closeTicket(desk, item.id, item.version);
    case 'merge':
      if (item.id === action.targetId) throw new AppError('VALIDATION_FAILED', 'This is the ticket the others are merged into.', 'targetId');
      return mergeTicket(desk, item.id, action.targetId, item.version);
  }
}
