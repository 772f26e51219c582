import { stat } from 'node:fs/promises';
import { AppError } from '../../errors.ts';
import { findObject, listObjects, type Row } from '../../tenancy/data-access.ts';
import { mayReadNotes, type DeskContext } from '../desk-context.ts';
import { listThread } from '../threads/list-thread.ts';
import { attachmentPath, type AttachmentSettings } from './attachment-files.ts';

const notFound = () => new AppError('NOT_FOUND', 'This attachment was not found.');

/**
 * An attachment the caller may download, and where its file is. It is visible exactly when its
 * entry and ticket are: another tenant's, a note's for a customer, or one outside the caller's data
 * partitions are all NOT_FOUND, the same answer as for an id that does not exist.
 */
export async function readAttachment(desk: DeskContext, settings: Pick<AttachmentSettings, 'dataDir'>, id: string): Promise<{ attachment: Row; path: string; size: number }> {
  let attachment: Row;
  try {
    attachment = await findObject(desk, 'attachment', id);
    const entry = await findObject(desk, 'threadEntry', attachment.entry_id as string);
    if (entry.kind === 'note' && !mayReadNotes(desk)) throw notFound();
    await findObject(desk, 'ticket', attachment.ticket_id as string);
  } catch (error) {
    if (error instanceof AppError && error.code === 'NOT_FOUND') throw notFound();
    throw error;
  }
  const path = attachmentPath(settings, attachment.tenant_id as number, attachment.id as string);
  const file = await stat(path).catch(() => undefined);
  if (!file?.isFile()) throw new AppError('NOT_FOUND', 'The file of this attachment is missing from the data directory.');
  return { attachment, path, size: file.size };
}

/** The attachments of a ticket's entries the caller may read (notes' only for those who read notes). */
export async function listAttachments(desk: DeskContext, ticketId: string): Promise<Row[]> {
  const entries = new Set((await listThread(desk, ticketId)).map((e) => e.id));
  const rows = await listObjects(desk, 'attachment', { where: { ticket_id: ticketId }, orderBy: 'created_at', limit: 1000 });
  return rows.filter((a) => entries.has(a.entry_id));
}
