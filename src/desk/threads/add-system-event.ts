import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, type Row } from '../../tenancy/data-access.ts';

/** What a system event records: a field that changed (status, assignment, ...) or something that happened. */
export type SystemEvent = { event: string; from?: unknown; to?: unknown; [detail: string]: unknown };

/** Appends a system event to a ticket's thread, inside the caller's unit of work. */
export async function addSystemEvent(ctx: TenancyContext, ticket: Row, authorId: string | null, event: SystemEvent): Promise<Row> {
  return createObject(ctx, 'threadEntry', { ticket_id: ticket.id, kind: 'event', author_id: authorId, body_html: '', data: JSON.stringify(event) });
}
