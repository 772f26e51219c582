import { readFile } from 'node:fs/promises';
import type { ImportRun } from './import-osticket.ts';
import { storedFilePath } from './osticket-mapping.ts';
import type { SourceRow } from './osticket-source.ts';

/*
 * The source side of the ticket import, a page of tickets at a time: the page's tickets (keyset by
 * ticket_id), then for those that changed, their thread entries, collaborators, form values and
 * files, each in one query over the page's ids. Nothing is read per ticket, and no more than a page
 * (and its files) is ever held.
 */

export const TICKET_PAGE = 500;

/**
 * The tickets with what their digest covers beyond their own row: the thread (count and last change
 * of its entries) and the form values (count and checksum), so a reply or a changed custom field
 * alone makes the ticket changed.
 */
export const ticketQuery = (run: ImportRun): string => {
  const t = (name: string) => run.source.t(name);
  const fields = run.source.has('form_entry') && run.source.has('form_entry_values')
    ? `(SELECT CONCAT(COUNT(*), ':', COALESCE(SUM(CRC32(CONCAT_WS(':', v.entry_id, v.field_id, COALESCE(v.value, '')))), 0))
        FROM ${t('form_entry')} fe JOIN ${t('form_entry_values')} v ON v.entry_id = fe.id WHERE fe.object_type = 'T' AND fe.object_id = k.ticket_id)`
    : `''`;
  return `SELECT k.*, c.subject AS cdata_subject, c.priority AS cdata_priority, th.id AS thread_id,
      (SELECT COUNT(*) FROM ${t('thread_entry')} e WHERE e.thread_id = th.id) AS entry_count,
      (SELECT MAX(e.updated) FROM ${t('thread_entry')} e WHERE e.thread_id = th.id) AS entries_updated,
      ${fields} AS fields_digest
    FROM ${t('ticket')} k
    LEFT JOIN ${t('ticket__cdata')} c ON c.ticket_id = k.ticket_id
    LEFT JOIN ${t('thread')} th ON th.object_type = 'T' AND th.object_id = k.ticket_id
    WHERE k.ticket_id > ? ORDER BY k.ticket_id LIMIT ?`;
};

export type EntryFile = { attachmentId: string; entryId: string; fileId: string; name: string; type: string; size: number; data?: Buffer; broken?: string };

/** What the changed tickets of one page bring, by ticket id (entries and collaborators by thread). */
export type PageDetails = {
  readonly entries: Map<string, SourceRow[]>;
  readonly collaborators: Map<string, number[]>;
  readonly fields: Map<string, Record<string, string>>;
  readonly files: Map<string, EntryFile[]>;
};

const marks = (ids: readonly unknown[]) => ids.map(() => '?').join(',');

function group<K, V>(rows: readonly V[], key: (row: V) => K): Map<K, V[]> {
  const out = new Map<K, V[]>();
  for (const row of rows) {
    const k = key(row);
    const list = out.get(k);
    if (list) list.push(row);
    else out.set(k, [row]);
  }
  return out;
}

/** The entries, collaborators, form values and new entries' files of these tickets, in one query each. */
export async function readDetails(run: ImportRun, tickets: readonly SourceRow[], imported: ReadonlySet<string>): Promise<PageDetails> {
  const { source } = run;
  const threads = tickets.map((t) => t.thread_id).filter((id) => id !== null && id !== undefined);
  const ticketIds = tickets.map((t) => t.ticket_id);
  const entries = threads.length ? await source.select(`SELECT * FROM ${source.t('thread_entry')} WHERE thread_id IN (${marks(threads)}) ORDER BY thread_id, id`, threads) : [];
  const collaborators = threads.length
    ? await source.select<{ thread_id: number; user_id: number }>(`SELECT thread_id, user_id FROM ${source.t('thread_collaborator')} WHERE thread_id IN (${marks(threads)}) AND isactive = 1 ORDER BY id`, threads)
    : [];
  // Entries (and their files) are imported with their ticket: only a ticket imported before has any in the ledger.
  const before = new Set(tickets.filter((t) => imported.has(String(t.ticket_id))).map((t) => String(t.thread_id)));
  await run.ledger.some('thread_entry', entries.filter((e) => before.has(String(e.thread_id))).map((e) => e.id));
  const fresh = entries.filter((e) => !run.ledger.target('thread_entry', e.id));
  return {
    entries: group(entries, (e) => String(e.thread_id)),
    collaborators: new Map([...group(collaborators, (c) => String(c.thread_id))].map(([k, v]) => [k, v.map((c) => c.user_id)])),
    fields: ticketIds.length ? await ticketFields(run, ticketIds) : new Map(),
    files: group(run.options.dryRun ? [] : await entryFiles(run, fresh, before), (f) => f.entryId),
  };
}

/** The fields osTicket's forms hold for tickets beyond subject and priority, by field name (its label when unnamed). */
async function ticketFields(run: ImportRun, ticketIds: readonly unknown[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (!['form_entry', 'form_entry_values', 'form_field'].every((t) => run.source.has(t))) return out;
  const rows = await run.source.select<{ ticket_id: number; name: string | null; label: string | null; value: string | null }>(
    `SELECT e.object_id AS ticket_id, f.name, f.label, v.value FROM ${run.source.t('form_entry')} e
     JOIN ${run.source.t('form_entry_values')} v ON v.entry_id = e.id JOIN ${run.source.t('form_field')} f ON f.id = v.field_id
     WHERE e.object_type = 'T' AND e.object_id IN (${marks(ticketIds)}) ORDER BY e.object_id, e.sort, f.sort`,
    ticketIds,
  );
  for (const r of rows) {
    const key = (r.name || r.label || '').trim();
    // Subject and priority are columns of their own; the message is the thread's first entry.
    if (!key || ['subject', 'priority', 'message'].includes(key) || r.value === null || r.value === '') continue;
    const fields = out.get(String(r.ticket_id)) ?? {};
    fields[key.slice(0, 64)] = String(r.value);
    out.set(String(r.ticket_id), fields);
  }
  return out;
}

/** The files of new entries, read in full (a file is stored whole, as an upload is), or why one is broken. */
async function entryFiles(run: ImportRun, entries: readonly SourceRow[], importedThreads: ReadonlySet<string>): Promise<EntryFile[]> {
  if (!entries.length) return [];
  const ids = entries.map((e) => Number(e.id));
  const rows = await run.source.select(
    `SELECT a.id AS attachment_id, a.object_id AS entry_id, f.id AS file_id, f.name, f.type, f.size, f.bk, f.\`key\` AS file_key
     FROM ${run.source.t('attachment')} a JOIN ${run.source.t('file')} f ON f.id = a.file_id
     WHERE a.type = 'H' AND a.object_id IN (${marks(ids)}) ORDER BY a.id`,
    ids,
  );
  const threadOf = new Map(entries.map((e) => [String(e.id), String(e.thread_id)]));
  await run.ledger.some('attachment', rows.filter((r) => importedThreads.has(threadOf.get(String(r.entry_id)) ?? '')).map((r) => r.attachment_id));
  const files: EntryFile[] = [];
  for (const row of rows) {
    const file: EntryFile = { attachmentId: String(row.attachment_id), entryId: String(row.entry_id), fileId: String(row.file_id), name: String(row.name || 'attachment'), type: String(row.type || ''), size: Number(row.size) };
    if (run.ledger.target('attachment', file.attachmentId)) continue;
    const data = await fileBytes(run, row);
    if (typeof data === 'string') file.broken = data;
    else if (data.length !== file.size) file.broken = `file ${file.fileId} has ${data.length} bytes where osTicket records ${file.size}`;
    else file.data = data;
    files.push(file);
  }
  return files;
}

async function fileBytes(run: ImportRun, row: SourceRow): Promise<Buffer | string> {
  if (row.bk === 'D') {
    const chunks = await run.source.select<{ filedata: Buffer }>(`SELECT filedata FROM ${run.source.t('file_chunk')} WHERE file_id = ? ORDER BY chunk_id`, [row.file_id]);
    return Buffer.concat(chunks.map((c) => c.filedata));
  }
  if (row.bk === 'F') {
    if (!run.options.filesDir) return `file ${row.file_id} is in osTicket's filesystem storage: give its folder with --files DIR`;
    const path = storedFilePath(run.options.filesDir, String(row.file_key ?? ''));
    if (!path) return `file ${row.file_id} has an unusable storage key`;
    return readFile(path).catch(() => `file ${row.file_id} is missing from ${path}`);
  }
  return `file ${row.file_id} is kept in storage "${row.bk}", which this importer cannot read`;
}
