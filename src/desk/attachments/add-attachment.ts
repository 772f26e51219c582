import { createHash, randomUUID } from 'node:crypto';
import { AppError } from '../../errors.ts';
import { recordAuditInScope } from '../../identity/audit.ts';
import { hasPermission } from '../../identity/permissions.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, findObject, inTransaction, type Row } from '../../tenancy/data-access.ts';
import { mayReadNotes, requireDeskPermission, type DeskContext } from '../desk-context.ts';
import { attachmentPath, cleanContentType, cleanFilename, writingFiles, type AttachmentSettings } from './attachment-files.ts';
import { chargeStorage } from './storage-quota.ts';

export type NewAttachment = { filename: string; contentType?: string | undefined; data: Buffer };

const PERMISSION: Record<string, string> = { reply: 'ticket.reply', note: 'ticket.note' };

export function assertWithinLimit(settings: Pick<AttachmentSettings, 'maxBytes'>, size: number): void {
  if (size > settings.maxBytes) {
    throw new AppError('PAYLOAD_TOO_LARGE', `An attachment may be at most ${settings.maxBytes} bytes; this one is ${size}.`, 'file');
  }
}

/**
 * The entry of `ticketId` the caller may attach a file to: one it can read (a customer never reads
 * notes), a reply or note (not a system event), its own unless its role edits tickets.
 */
async function attachableEntry(desk: DeskContext, ticketId: string, entryId: string): Promise<Row> {
  // Reading through the data-access layer applies the caller's tenants and data partitions.
  const ticket = await findObject(desk, 'ticket', ticketId);
  const entry = await findObject(desk, 'threadEntry', entryId);
  if (entry.ticket_id !== ticket.id || (entry.kind === 'note' && !mayReadNotes(desk))) throw new AppError('NOT_FOUND', 'This threadEntry was not found.');
  const permission = PERMISSION[entry.kind as string];
  if (!permission) throw new AppError('VALIDATION_FAILED', 'Files are attached to replies and notes, not to system events.', 'entryId');
  requireDeskPermission(desk, permission);
  if (entry.author_id !== desk.actor.contactId && !hasPermission(desk.actor.activeRole, 'ticket.edit')) {
    throw new AppError('FORBIDDEN', 'Your active role attaches files to its own messages only.', 'entryId');
  }
  return entry;
}

/**
 * Stores one file on `entry` inside the caller's unit of work: the file under the tenant's
 * directory (through `write`, which removes it again if the unit of work fails), then its row.
 * `ctx.actor` is the uploader (none for a file an import brings from a system message).
 */
export async function storeAttachment(ctx: TenancyContext & { readonly actor: { readonly contactId: string | null } }, settings: AttachmentSettings, write: (path: string, data: Buffer) => Promise<void>, entry: Row, file: NewAttachment): Promise<Row> {
  assertWithinLimit(settings, file.data.length);
  // Counted against the tenant's storage quota first: a refused file is never written.
  await chargeStorage(ctx, entry.tenant_id as number, file.data.length);
  const id = randomUUID();
  await write(attachmentPath(settings, entry.tenant_id as number, id), file.data);
  return createObject(ctx, 'attachment', {
    id,
    ticket_id: entry.ticket_id,
    entry_id: entry.id,
    filename: cleanFilename(file.filename),
    content_type: cleanContentType(file.contentType),
    size: file.data.length,
    sha256: createHash('sha256').update(file.data).digest('hex'),
    uploaded_by: ctx.actor.contactId,
  });
}

/** Attaches a file to a reply or note of a ticket; refused requests write nothing. */
export async function addAttachment(desk: DeskContext, settings: AttachmentSettings, ticketId: string, entryId: string, file: NewAttachment): Promise<Row> {
  assertWithinLimit(settings, file.data.length);
  const entry = await attachableEntry(desk, ticketId, entryId);
  return writingFiles((write) =>
    inTransaction(desk, async (tx) => {
      const attachment = await storeAttachment(tx, settings, write, entry, file);
      await recordAuditInScope(tx, {
        tenantId: entry.tenant_id as number,
        actorContactId: desk.actor.contactId,
        action: 'ticket.attachment_added',
        objectType: 'ticket',
        objectId: entry.ticket_id as string,
        data: { attachmentId: attachment.id, filename: attachment.filename, size: file.data.length },
      });
      return attachment;
    }, entry.tenant_id as number),
  );
}
