import { z } from 'zod';
import { AppError } from '../../errors.ts';
import { inSet } from '../../tenancy/access.ts';
import { findObject } from '../../tenancy/data-access.ts';
import { mayReadNotes, type DeskContext } from '../desk-context.ts';
import { isForCustomer } from '../threads/list-thread.ts';

/** What the database announces (migration 0040): ids only, never content. */
const rawEvent = z.object({
  tenant: z.number().int().nullable(),
  ticket: z.string().uuid(),
  entry: z.string().uuid().optional(),
  created: z.boolean().optional(),
});
export type RawDeskEvent = z.infer<typeof rawEvent>;

/** What a subscriber is told: which ticket changed, and the new thread entry if that was the change. */
export type LiveEvent =
  | { readonly kind: 'ticket'; readonly ticketId: string; readonly version: number; readonly created: boolean }
  | { readonly kind: 'entry'; readonly ticketId: string; readonly entryId: string };

/** The notification's payload, or undefined for one this version does not know (never thrown). */
export function parseDeskEvent(payload: string): RawDeskEvent | undefined {
  try {
    const parsed = rawEvent.safeParse(JSON.parse(payload));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The event as `desk` may see it, or undefined. The ticket and the entry are read again through the
 * scoped data-access layer under the subscriber's own context, exactly as a GET of them would: its
 * readable tenants, its data partitions (a customer: its own requests), notes for agents only, and
 * for customers only the thread events meant for them (decision 0095). A customer is not told of
 * a bare change of the ticket's row (an assignment, a team), only of its new requests and of the
 * entries it may read, which is where a status change shows (decision 0120).
 */
export async function visibleEvent(desk: DeskContext, event: RawDeskEvent): Promise<LiveEvent | undefined> {
  // Tenant boundary, cheaply first: another tenant's event is dropped before any read.
  if (event.tenant === null || !inSet(desk.access.read, event.tenant)) return undefined;
  const customer = desk.actor.kind === 'customer';
  if (customer && !event.entry && !event.created) return undefined;
  try {
    const ticket = await findObject(desk, 'ticket', event.ticket);
    if (!event.entry) return { kind: 'ticket', ticketId: ticket.id as string, version: ticket.version as number, created: event.created ?? false };
    const entry = await findObject(desk, 'threadEntry', event.entry);
    const readable = customer ? isForCustomer(entry) : entry.kind !== 'note' || mayReadNotes(desk);
    return readable ? { kind: 'entry', ticketId: ticket.id as string, entryId: entry.id as string } : undefined;
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') return undefined;
    throw error;
  }
}
