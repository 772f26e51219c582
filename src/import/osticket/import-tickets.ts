import { readFile } from 'node:fs/promises';
import { storeAttachment } from '../../desk/attachments/add-attachment.ts';
import { writingFiles } from '../../desk/attachments/attachment-files.ts';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { countObjects, createObject, inTransaction, listObjects, nextCounterValue, updateObject, type Row } from '../../tenancy/data-access.ts';
import { rowDigest } from './import-ledger.ts';
import { emptyCounts, type ImportChecks, type ObjectCounts } from './import-report.ts';
import type { ImportRun } from './import-osticket.ts';
import { contactTenant, importedTenants } from './import-organizations.ts';
import { entryHtml, sourceTime, storedFilePath, ticketSource } from './osticket-mapping.ts';
import type { SourceRow } from './osticket-source.ts';

/*
 * Tickets with their threads, collaborators and files. A ticket is one unit of work: the ticket,
 * its new thread entries, their attachments and the ledger rows commit together or not at all.
 * A ticket's digest covers its row and its thread (count and last change of its entries), so a
 * ticket replied to since the last run is taken up again and only its new entries are added.
 */

const ENTRY_KINDS: Record<string, 'reply' | 'note'> = { M: 'reply', R: 'reply', N: 'note' };

const ticketQuery = (run: ImportRun) => {
  const t = (name: string) => run.source.t(name);
  return `SELECT k.*, c.subject AS cdata_subject, c.priority AS cdata_priority, th.id AS thread_id,
      (SELECT COUNT(*) FROM ${t('thread_entry')} e WHERE e.thread_id = th.id) AS entry_count,
      (SELECT MAX(e.updated) FROM ${t('thread_entry')} e WHERE e.thread_id = th.id) AS entries_updated
    FROM ${t('ticket')} k
    LEFT JOIN ${t('ticket__cdata')} c ON c.ticket_id = k.ticket_id
    LEFT JOIN ${t('thread')} th ON th.object_type = 'T' AND th.object_id = k.ticket_id
    WHERE k.ticket_id > ? ORDER BY k.ticket_id LIMIT ?`;
};

export async function importTickets(run: ImportRun): Promise<void> {
  const { source, ledger, options } = run;
  const tickets = (run.report.objects.tickets = emptyCounts(await source.count('ticket')));
  const entries = (run.report.objects['thread entries'] = emptyCounts(await source.count('thread_entry', `thread_id IN (SELECT id FROM ${source.t('thread')} WHERE object_type = 'T')`)));
  const files = (run.report.objects.attachments = emptyCounts(await source.count('attachment', "type = 'H'")));
  const known = await ledger.load('ticket');
  await ledger.load('thread_entry');
  await ledger.load('attachment');
  const numbers = options.tenantId === undefined ? new Set<string>() : await tenantNumbers(run);
  let done = 0;
  for await (const page of source.pages(ticketQuery(run), 'ticket_id')) {
    for (const row of page) {
      await importTicket(run, row, known.get(String(row.ticket_id)), numbers, { tickets, entries, files });
      options.progress?.('tickets', ++done, tickets.source);
    }
  }
  if (!options.dryRun) {
    await linkMerged(run);
    await continueNumbering(run);
  }
  for (const [counts, table] of [[tickets, 'ticket'], [entries, 'thread_entry'], [files, 'attachment']] as const) {
    counts.inTenant = options.dryRun ? counts.unchanged + counts.created + counts.updated : (await ledger.load(table)).size;
  }
}

type Counts = { tickets: ObjectCounts; entries: ObjectCounts; files: ObjectCounts };

async function importTicket(run: ImportRun, row: SourceRow, known: { targetId: string; digest: string } | undefined, numbers: Set<string>, counts: Counts): Promise<void> {
  const id = String(row.ticket_id);
  const digest = rowDigest(row);
  if (known?.digest === digest) {
    counts.tickets.unchanged++;
    return;
  }
  const values = ticketValues(run, row);
  if (typeof values === 'string') {
    counts.tickets.unmapped.push({ id, reason: values });
    return;
  }
  if (!known && numbers.has(values.number as string)) {
    counts.tickets.unmapped.push({ id, reason: `number ${values.number} is already a ticket of the tenant` });
    return;
  }
  const thread = row.thread_id === null ? [] : await run.source.select(`SELECT * FROM ${run.source.t('thread_entry')} WHERE thread_id = ? ORDER BY id`, [row.thread_id]);
  const fresh = thread.filter((e) => !run.ledger.target('thread_entry', e.id));
  if (run.options.dryRun) {
    if (known) counts.tickets.updated++;
    else {
      counts.tickets.created++;
      run.ledger.plan('ticket', id);
    }
    for (const entry of fresh) (ENTRY_KINDS[String(entry.type)] ? counts.entries.created++ : counts.entries.unmapped.push({ id: String(entry.id), reason: `entry type "${entry.type}"` }));
    return;
  }
  const attachments = await entryFiles(run, fresh);
  const customFields = await ticketFields(run, row.ticket_id);
  if (Object.keys(customFields).length) values.custom_fields = JSON.stringify(customFields);
  const collaborators = row.thread_id === null ? [] : await run.source.select<{ user_id: number }>(`SELECT user_id FROM ${run.source.t('thread_collaborator')} WHERE thread_id = ? AND isactive = 1`, [row.thread_id]);
  // A ticket takes its requester's tenant: the imported one, or its organization's subtenant.
  const tenant = values.requester_id ? await contactTenant(run, values.requester_id as string) : run.options.tenantId!;
  const reachable = await reachableContacts(run, tenant, [...collaborators.map((c) => run.ledger.target('user', c.user_id)), ...fresh.map((e) => entryAuthor(run, e))]);
  const apart = known ? 0 : new Set(collaborators.map((c) => run.ledger.target('user', c.user_id)).filter((c) => c && !reachable.has(c))).size;
  if (apart) counts.tickets.notes.push(`${id}: ${apart} collaborator(s) of another organization's subtenant left out (a ticket refers to contacts of its own tenant or above)`);
  const stored = await writingFiles((write) =>
    inTransaction(run.ctx, async (tx) => {
      const ticketId = known ? ((await updateObject(tx, 'ticket', known.targetId, values)).id as string) : ((await createObject(tx, 'ticket', { ...values, tenant_id: tenant })).id as string);
      if (!known) {
        const people = new Set(collaborators.map((c) => run.ledger.target('user', c.user_id)).filter((c): c is string => !!c && reachable.has(c)));
        for (const contact of people) await createObject(tx, 'ticketCollaborator', { ticket_id: ticketId, contact_id: contact });
      }
      const added = { entries: 0, files: 0, unmapped: [] as { id: string; reason: string }[], fileUnmapped: [] as { id: string; reason: string }[] };
      for (const entry of fresh) await importEntry(run, tx, write, ticketId, entry, attachments, added, reachable);
      await run.ledger.record(tx, 'ticket', id, 'ticket', ticketId, digest);
      return added;
    }, run.options.tenantId),
  ).catch((error: unknown) => {
    // A ticket that cannot be written (a quota, a refused value) is reported; the others go on.
    if (error instanceof AppError) {
      counts.tickets.unmapped.push({ id, reason: error.message });
      return undefined;
    }
    throw error;
  });
  if (!stored) return;
  if (known) counts.tickets.updated++;
  else {
    counts.tickets.created++;
    numbers.add(values.number as string);
  }
  counts.entries.created += stored.entries;
  counts.entries.unmapped.push(...stored.unmapped);
  counts.files.created += stored.files;
  counts.files.unmapped.push(...stored.fileUnmapped);
}

/** A ticket's columns, or why it cannot be mapped. */
function ticketValues(run: ImportRun, row: SourceRow): Row | string {
  const status = run.ledger.target('ticket_status', row.status_id);
  if (!status) return `status ${row.status_id} was not imported`;
  const state = run.statusStates.get(status);
  const number = String(row.number ?? '').trim() || String(row.ticket_id);
  const closed = sourceTime(row.closed);
  return {
    number,
    subject: String(row.cdata_subject ?? '').trim().slice(0, 255) || '(no subject)',
    status_id: status,
    ...(state ? { status: state } : {}),
    requester_id: run.ledger.target('user', row.user_id) ?? null,
    assignee_id: run.ledger.target('staff', row.staff_id) ?? null,
    team_id: run.ledger.target('team', row.team_id) ?? null,
    department_id: run.ledger.target('department', row.dept_id) ?? null,
    help_topic_id: run.ledger.target('help_topic', row.topic_id) ?? null,
    sla_plan_id: run.ledger.target('sla', row.sla_id) ?? null,
    priority_id: run.priorities.get(String(row.cdata_priority ?? '').trim()) ?? null,
    source: ticketSource(row.source as string | null),
    due_at: sourceTime(row.duedate) ?? sourceTime(row.est_duedate),
    created_at: sourceTime(row.created) ?? new Date().toISOString(),
    updated_at: sourceTime(row.updated) ?? sourceTime(row.created) ?? new Date().toISOString(),
    closed_at: closed,
  };
}

type EntryFile = { attachmentId: string; entryId: string; fileId: string; name: string; type: string; size: number; data?: Buffer; broken?: string };

/** The files of new entries, read in full (a file is stored whole, as an upload is), or why one is broken. */
async function entryFiles(run: ImportRun, entries: readonly SourceRow[]): Promise<EntryFile[]> {
  if (!entries.length) return [];
  const ids = entries.map((e) => Number(e.id));
  const rows = await run.source.select(
    `SELECT a.id AS attachment_id, a.object_id AS entry_id, f.id AS file_id, f.name, f.type, f.size, f.bk, f.\`key\` AS file_key
     FROM ${run.source.t('attachment')} a JOIN ${run.source.t('file')} f ON f.id = a.file_id
     WHERE a.type = 'H' AND a.object_id IN (${ids.map(() => '?').join(',')}) ORDER BY a.id`,
    ids,
  );
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

type Added = { entries: number; files: number; unmapped: { id: string; reason: string }[]; fileUnmapped: { id: string; reason: string }[] };

/** The contact who wrote an entry: its user for a message, its staff member otherwise. */
const entryAuthor = (run: ImportRun, entry: SourceRow) => (entry.type === 'M' ? run.ledger.target('user', entry.user_id) : run.ledger.target('staff', entry.staff_id));

/**
 * Of these contacts, those a ticket of `tenant` may refer to (write rule 3: its own tenant or one
 * above): a user of another organization's subtenant is not, so a collaborator from there is left
 * out and an entry of theirs keeps its poster's name without an author.
 */
async function reachableContacts(run: ImportRun, tenant: number, contacts: readonly (string | undefined)[]): Promise<Set<string>> {
  const out = new Set<string>();
  for (const c of new Set(contacts)) {
    if (!c) continue;
    const own = await contactTenant(run, c);
    if (own === tenant || own === run.options.tenantId) out.add(c);
  }
  return out;
}

async function importEntry(run: ImportRun, tx: TenancyContext, write: (path: string, data: Buffer) => Promise<void>, ticketId: string, entry: SourceRow, files: EntryFile[], added: Added, reachable: ReadonlySet<string>): Promise<void> {
  const kind = ENTRY_KINDS[String(entry.type)];
  if (!kind) {
    added.unmapped.push({ id: String(entry.id), reason: `entry type "${entry.type}" is neither a message, a response nor a note` });
    return;
  }
  const found = entryAuthor(run, entry);
  const author = found && reachable.has(found) ? found : undefined;
  // An author of another organization's subtenant: the entry keeps the poster's name in its data.
  const row = await createObject(tx, 'threadEntry', {
    ticket_id: ticketId,
    kind,
    author_id: author ?? null,
    body_html: entryHtml(String(entry.body ?? ''), entry.format as string | null),
    data: JSON.stringify({ osticket: { id: Number(entry.id), type: entry.type, poster: entry.poster ?? null, source: entry.source || null, title: entry.title ?? null } }),
    created_at: sourceTime(entry.created) ?? new Date().toISOString(),
  });
  await run.ledger.record(tx, 'thread_entry', entry.id, 'threadEntry', row.id as string, rowDigest(entry));
  added.entries++;
  for (const file of files.filter((f) => f.entryId === String(entry.id))) {
    if (!file.data) {
      added.fileUnmapped.push({ id: file.attachmentId, reason: file.broken ?? 'unreadable' });
      continue;
    }
    const stored = await storeAttachment({ ...tx, actor: { contactId: author ?? null } }, run.options.attachments, write, row, { filename: file.name, contentType: file.type, data: file.data });
    await run.ledger.record(tx, 'attachment', file.attachmentId, 'attachment', stored.id as string, file.fileId);
    added.files++;
  }
}

/** The fields osTicket's forms hold for a ticket beyond subject and priority, by field name (its label when unnamed). */
async function ticketFields(run: ImportRun, ticketId: unknown): Promise<Record<string, string>> {
  if (!['form_entry', 'form_entry_values', 'form_field'].every((t) => run.source.has(t))) return {};
  const rows = await run.source.select<{ name: string | null; label: string | null; value: string | null }>(
    `SELECT f.name, f.label, v.value FROM ${run.source.t('form_entry')} e
     JOIN ${run.source.t('form_entry_values')} v ON v.entry_id = e.id JOIN ${run.source.t('form_field')} f ON f.id = v.field_id
     WHERE e.object_type = 'T' AND e.object_id = ? ORDER BY e.sort, f.sort`,
    [ticketId],
  );
  const fields: Record<string, string> = {};
  for (const r of rows) {
    const key = (r.name || r.label || '').trim();
    // Subject and priority are columns of their own; the message is the thread's first entry.
    if (!key || ['subject', 'priority', 'message'].includes(key) || r.value === null || r.value === '') continue;
    fields[key.slice(0, 64)] = String(r.value);
  }
  return fields;
}

/** The ticket numbers of the imported tenant and its organizations' subtenants. */
async function tenantNumbers(run: ImportRun): Promise<Set<string>> {
  const numbers = new Set<string>();
  for (const tenantId of importedTenants(run)) {
    for await (const r of everyObject(run, 'ticket', tenantId)) if (r.number) numbers.add(r.number as string);
  }
  return numbers;
}

/** Every object of a type in one tenant, a page at a time. */
async function* everyObject(run: ImportRun, type: 'ticket' | 'attachment', tenantId: number): AsyncGenerator<Row> {
  let after: { value: unknown; id: string } | undefined;
  for (;;) {
    const rows = await listObjects(run.ctx, type, { where: { tenant_id: tenantId }, limit: 1000, ...(after ? { after } : {}) });
    yield* rows;
    if (rows.length < 1000) return;
    after = { value: rows[rows.length - 1]!.id, id: rows[rows.length - 1]!.id as string };
  }
}

/** osTicket 1.14+ merges a ticket into another by `ticket_pid`: ours by `merged_into_id`, once both are here. */
async function linkMerged(run: ImportRun): Promise<void> {
  const merged = await run.source.select<{ ticket_id: number; ticket_pid: number }>(`SELECT ticket_id, ticket_pid FROM ${run.source.t('ticket')} WHERE ticket_pid IS NOT NULL AND ticket_pid <> ticket_id`);
  for (const m of merged) {
    const child = run.ledger.target('ticket', m.ticket_id);
    const parent = run.ledger.target('ticket', m.ticket_pid);
    if (!child || !parent) continue;
    // Tickets of two organizations' subtenants cannot be merged (a merge stays within a tenant): reported, left apart.
    await updateObject(run.ctx, 'ticket', child, { merged_into_id: parent }).catch((error: unknown) => {
      if (!(error instanceof AppError)) throw error;
      run.report.objects.tickets!.notes.push(`${m.ticket_id}: merged into ${m.ticket_pid} in osTicket, kept apart: ${error.message}`);
    });
  }
}

/** New tickets of the tenant are numbered after the highest imported number (osTicket's numbers are digits). */
async function continueNumbering(run: ImportRun): Promise<void> {
  const [highest] = await run.source.select<{ n: string | null }>(`SELECT MAX(CAST(number AS UNSIGNED)) AS n FROM ${run.source.t('ticket')}`);
  const target = Number(highest?.n ?? 0);
  // Every subtenant too: their numbers, like osTicket's, stay unique across the organization's desk.
  for (const tenantId of importedTenants(run)) {
    const current = await nextCounterValue(run.ctx, tenantId, 'ticket', 0);
    if (target > current) await nextCounterValue(run.ctx, tenantId, 'ticket', target - current);
  }
}

/** Ticket numbers, thread-entry counts and attachment bytes of the tenant, against the source. */
export async function verifyTickets(run: ImportRun): Promise<ImportChecks> {
  const { source } = run;
  const imported = await run.ledger.load('ticket');
  const sourceNumbers = await source.select<{ ticket_id: number; number: string | null }>(`SELECT ticket_id, number FROM ${source.t('ticket')}`);
  const numbers = await tenantNumbers(run);
  const expected = sourceNumbers.filter((t) => imported.has(String(t.ticket_id))).map((t) => String(t.number ?? '').trim() || String(t.ticket_id));
  const missing = expected.filter((n) => !numbers.has(n));
  const [entries] = await source.select<{ n: number }>(
    `SELECT COUNT(*) AS n FROM ${source.t('thread_entry')} e JOIN ${source.t('thread')} th ON th.id = e.thread_id AND th.object_type = 'T' WHERE e.type IN ('M', 'R', 'N')`,
  );
  const [bytes] = await source.select<{ n: string | null }>(
    `SELECT SUM(f.size) AS n FROM ${source.t('attachment')} a JOIN ${source.t('file')} f ON f.id = a.file_id WHERE a.type = 'H'`,
  );
  let tenantBytes = 0;
  let tenantEntries = 0;
  for (const tenantId of importedTenants(run)) {
    for await (const r of everyObject(run, 'attachment', tenantId)) tenantBytes += Number(r.size);
    tenantEntries += (await countObjects(run.ctx, 'threadEntry', { tenant_id: tenantId, kind: 'reply' })) + (await countObjects(run.ctx, 'threadEntry', { tenant_id: tenantId, kind: 'note' }));
  }
  return {
    ticketNumbers: { source: expected.length, inTenant: expected.length - missing.length, missing },
    threadEntries: { source: Number(entries?.n ?? 0), inTenant: tenantEntries },
    attachmentBytes: { source: Number(bytes?.n ?? 0), inTenant: tenantBytes },
  };
}
