import { sql } from 'kysely';
import { storeAttachment } from '../../desk/attachments/add-attachment.ts';
import { writingFiles } from '../../desk/attachments/attachment-files.ts';
import { AppError } from '../../errors.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { aggregateObjects, countObjects, createObject, inTransaction, listObjects, newObjectId, nextCounterValue, updateObject, type Companion, type Row } from '../../tenancy/data-access.ts';
import { rowDigest } from './import-ledger.ts';
import { emptyCounts, type ImportChecks, type ObjectCounts } from './import-report.ts';
import type { ImportRun } from './import-osticket.ts';
import { contactTenant, importedTenants } from './import-organizations.ts';
import { entryHtml, sourceTime, ticketSource } from './osticket-mapping.ts';
import type { SourceRow } from './osticket-source.ts';
import { importedClock } from './imported-clocks.ts';
import type { TicketState } from '../../db/schema.ts';
import { readDetails, TICKET_PAGE, ticketQuery, type EntryFile, type PageDetails } from './ticket-pages.ts';

/*
 * Tickets with their threads, collaborators and files, a page at a time (ticket-pages.ts reads
 * them). A ticket, its new thread entries, their attachments and the ledger rows commit together or
 * not at all; a page's tickets share one transaction. A ticket's digest covers its row, its thread
 * and its form values, so a ticket replied to (or whose custom field changed) since the last run is
 * taken up again and only its new entries are added.
 */

const ENTRY_KINDS: Record<string, 'reply' | 'note'> = { M: 'reply', R: 'reply', N: 'note' };

/** The tickets of one page to write in one transaction, with what the digest and the reads found. */
type Plan = { id: string; digest: string; known: { targetId: string } | undefined; values: Row; row: SourceRow };

export async function importTickets(run: ImportRun): Promise<void> {
  const { source, ledger, options } = run;
  const tickets = (run.report.objects.tickets = emptyCounts(await source.count('ticket')));
  const entries = (run.report.objects['thread entries'] = emptyCounts(await source.count('thread_entry', `thread_id IN (SELECT id FROM ${source.t('thread')} WHERE object_type = 'T')`)));
  const files = (run.report.objects.attachments = emptyCounts(await source.count('attachment', "type = 'H'")));
  const counts = { tickets, entries, files };
  let done = 0;
  for await (const page of source.pages(ticketQuery(run), 'ticket_id', options.ticketsPerPage ?? TICKET_PAGE)) {
    await importPage(run, page, counts, (n) => options.progress?.('tickets', (done += n), tickets.source));
    // The page's ledger rows and the rows its unit of work saw are dropped: memory stays one page.
    ledger.forget('ticket', 'thread_entry', 'attachment');
    forgetRows(run);
  }
  if (!options.dryRun) {
    await linkMerged(run);
    await continueNumbering(run);
  }
  for (const [c, table] of [[tickets, 'ticket'], [entries, 'thread_entry'], [files, 'attachment']] as const) {
    c.inTenant = options.dryRun ? c.unchanged + c.created + c.updated : await ledger.count(table);
  }
}

type Counts = { tickets: ObjectCounts; entries: ObjectCounts; files: ObjectCounts };

/** Keeps only the references the next pages need (settings and people), not the page's own rows. */
function forgetRows(run: ImportRun): void {
  const known = run.ctx.known;
  if (!known) return;
  for (const key of known.keys()) if (/^(ticket|threadEntry|importSource|attachment|ticketCollaborator):/.test(key)) known.delete(key);
}

async function importPage(run: ImportRun, page: readonly SourceRow[], counts: Counts, progress: (n: number) => void): Promise<void> {
  const known = await run.ledger.some('ticket', page.map((r) => r.ticket_id));
  const taken = await takenNumbers(run, page);
  const plans: Plan[] = [];
  for (const row of page) {
    const id = String(row.ticket_id);
    const digest = rowDigest(row);
    const mine = known.get(id);
    if (mine?.digest === digest) {
      counts.tickets.unchanged++;
      continue;
    }
    const values = ticketValues(run, row);
    if (typeof values === 'string') counts.tickets.unmapped.push({ id, reason: values });
    else if (!mine && taken.has(values.number as string)) counts.tickets.unmapped.push({ id, reason: `number ${values.number} is already a ticket of the tenant` });
    else plans.push({ id, digest, known: mine, values, row });
  }
  const details = await readDetails(run, plans.map((p) => p.row), new Set(plans.filter((p) => p.known).map((p) => p.id)));
  if (run.options.dryRun) countDry(run, plans, details, counts);
  else await writePlans(run, plans, details, counts);
  progress(page.length);
}

function countDry(run: ImportRun, plans: readonly Plan[], details: PageDetails, counts: Counts): void {
  for (const plan of plans) {
    if (plan.known) counts.tickets.updated++;
    else counts.tickets.created++;
    for (const entry of details.entries.get(String(plan.row.thread_id)) ?? []) {
      if (run.ledger.target('thread_entry', entry.id)) continue;
      if (ENTRY_KINDS[String(entry.type)]) counts.entries.created++;
      else counts.entries.unmapped.push({ id: String(entry.id), reason: `entry type "${entry.type}"` });
    }
  }
}

/**
 * The page's tickets in one transaction, each with its thread, files and ledger rows: fast, and
 * still all of a ticket or none of it. If a ticket is refused (a quota, a value), the transaction
 * rolls back and the page is written again one ticket per transaction, so only that one is reported.
 */
async function writePlans(run: ImportRun, plans: readonly Plan[], details: PageDetails, counts: Counts): Promise<void> {
  if (!plans.length) return;
  const prepared = [];
  for (const plan of plans) prepared.push(await prepare(run, plan, details, counts));
  const together = await attempt(writeTickets(run, prepared));
  if (typeof together !== 'string') return tally(together, prepared, counts);
  for (const one of prepared) {
    const alone = await attempt(writeTickets(run, [one]));
    if (typeof alone !== 'string') tally(alone, [one], counts);
    else counts.tickets.unmapped.push({ id: one.plan.id, reason: alone });
  }
}

/** The work's result, or the message of the AppError that refused it (anything else is a fault, thrown). */
const attempt = <T>(work: Promise<T>): Promise<T | string> =>
  work.catch((error: unknown) => {
    if (error instanceof AppError) return error.message;
    throw error;
  });

type Prepared = { plan: Plan; tenant: number; fresh: SourceRow[]; files: EntryFile[]; collaborators: string[]; reachable: Set<string> };

async function prepare(run: ImportRun, plan: Plan, details: PageDetails, counts: Counts): Promise<Prepared> {
  const thread = details.entries.get(String(plan.row.thread_id)) ?? [];
  const fresh = thread.filter((e) => !run.ledger.target('thread_entry', e.id));
  const fields = details.fields.get(plan.id);
  if (fields || run.source.has('form_entry_values')) plan.values.custom_fields = JSON.stringify(fields ?? {});
  Object.assign(plan.values, ticketClock(run, plan, thread));
  const people = (details.collaborators.get(String(plan.row.thread_id)) ?? []).map((u) => run.ledger.target('user', u)).filter((c): c is string => !!c);
  // A ticket takes its requester's tenant: the imported one, or its organization's subtenant.
  const tenant = plan.values.requester_id ? await contactTenant(run, plan.values.requester_id as string) : run.options.tenantId!;
  const reachable = await reachableContacts(run, tenant, [...people, ...fresh.map((e) => entryAuthor(run, e))]);
  const collaborators = plan.known ? [] : [...new Set(people)].filter((c) => reachable.has(c));
  const apart = plan.known ? 0 : new Set(people.filter((c) => !reachable.has(c))).size;
  if (apart) counts.tickets.notes.push(`${plan.id}: ${apart} collaborator(s) of another organization's subtenant left out (a ticket refers to contacts of its own tenant or above)`);
  const files = fresh.flatMap((e) => details.files.get(String(e.id)) ?? []);
  return { plan, tenant, fresh, files, collaborators, reachable };
}

type Added = { entries: number; files: number; unmapped: { id: string; reason: string }[]; fileUnmapped: { id: string; reason: string }[] };

async function writeTickets(run: ImportRun, tickets: readonly Prepared[]): Promise<Added> {
  return writingFiles((write) =>
    inTransaction(run.ctx, async (tx) => {
      const added: Added = { entries: 0, files: 0, unmapped: [], fileUnmapped: [] };
      for (const t of tickets) await writeTicket(run, tx, write, t, added);
      return added;
    }, run.options.tenantId),
  );
}

function tally(added: Added, prepared: readonly Prepared[], counts: Counts): void {
  for (const p of prepared) {
    if (p.plan.known) counts.tickets.updated++;
    else counts.tickets.created++;
  }
  counts.entries.created += added.entries;
  counts.entries.unmapped.push(...added.unmapped);
  counts.files.created += added.files;
  counts.files.unmapped.push(...added.fileUnmapped);
}

/**
 * One ticket: a new one with its entries, collaborators and every ledger row in one statement
 * (companion rows of the ticket); a changed one updated, its new entries added. Then the files.
 */
async function writeTicket(run: ImportRun, tx: TenancyContext, write: (path: string, data: Buffer) => Promise<void>, t: Prepared, added: Added): Promise<void> {
  const { plan, tenant } = t;
  const ticketId = plan.known?.targetId ?? newObjectId('ticket');
  const entries: { source: SourceRow; id: string; values: Row }[] = [];
  for (const entry of t.fresh) {
    const values = entryValues(run, entry, ticketId, tenant, t.reachable);
    if (typeof values === 'string') added.unmapped.push({ id: String(entry.id), reason: values });
    else entries.push({ source: entry, id: values.id as string, values });
  }
  const companions: Companion[] = [
    ...(plan.known ? [] : t.collaborators.map((c) => ({ name: 'ticketCollaborator' as const, values: { ticket_id: ticketId, contact_id: c } }))),
    ...entries.map((e) => ({ name: 'threadEntry' as const, values: e.values })),
    ...entries.map((e) => ({ name: 'importSource' as const, values: run.ledger.entry('thread_entry', e.source.id, 'threadEntry', e.id, rowDigest(e.source)) })),
  ];
  if (plan.known) {
    await updateObject(tx, 'ticket', ticketId, plan.values);
    await run.ledger.record(tx, 'ticket', plan.id, 'ticket', ticketId, plan.digest);
    for (const c of companions) await createObject(tx, c.name, c.values);
  } else {
    companions.push({ name: 'importSource', values: run.ledger.entry('ticket', plan.id, 'ticket', ticketId, plan.digest) });
    await createObject(tx, 'ticket', { ...plan.values, id: ticketId, tenant_id: tenant }, { with: companions });
  }
  added.entries += entries.length;
  for (const e of entries) {
    for (const file of t.files.filter((f) => f.entryId === String(e.source.id))) await importFile(run, tx, write, { id: e.id, ticket_id: ticketId, tenant_id: tenant }, e.values.author_id as string | null, file, added);
  }
}

/** A thread entry's row (with its id given, so it can be written with its ticket), or why it cannot be mapped. */
function entryValues(run: ImportRun, entry: SourceRow, ticketId: string, tenant: number, reachable: ReadonlySet<string>): Row | string {
  const kind = ENTRY_KINDS[String(entry.type)];
  if (!kind) return `entry type "${entry.type}" is neither a message, a response nor a note`;
  const found = entryAuthor(run, entry);
  // An author of another organization's subtenant: the entry keeps the poster's name in its data.
  const author = found && reachable.has(found) ? found : null;
  return {
    id: newObjectId('threadEntry'),
    tenant_id: tenant,
    ticket_id: ticketId,
    kind,
    author_id: author,
    body_html: entryHtml(String(entry.body ?? ''), entry.format as string | null),
    data: JSON.stringify({ osticket: { id: Number(entry.id), type: entry.type, poster: entry.poster ?? null, source: entry.source || null, title: entry.title ?? null } }),
    created_at: sourceTime(entry.created) ?? new Date().toISOString(),
  };
}

async function importFile(run: ImportRun, tx: TenancyContext, write: (path: string, data: Buffer) => Promise<void>, entry: Row, author: string | null, file: EntryFile, added: Added): Promise<void> {
  if (!file.data) {
    added.fileUnmapped.push({ id: file.attachmentId, reason: file.broken ?? 'unreadable' });
    return;
  }
  const stored = await storeAttachment({ ...tx, actor: { contactId: author } }, run.options.attachments, write, entry, { filename: file.name, contentType: file.type, data: file.data });
  await run.ledger.record(tx, 'attachment', file.attachmentId, 'attachment', stored.id as string, file.fileId);
  added.files++;
}

/** The numbers of this page's tickets already used by tickets of the tenant or its subtenants. */
async function takenNumbers(run: ImportRun, page: readonly SourceRow[]): Promise<Set<string>> {
  const taken = new Set<string>();
  if (run.options.tenantId === undefined) return taken;
  const numbers = page.map((r) => String(r.number ?? '').trim() || String(r.ticket_id));
  for (const tenantId of importedTenants(run)) {
    const rows = await listObjects(run.ctx, 'ticket', { where: { tenant_id: tenantId }, filter: sql<boolean>`number = any(${numbers})`, limit: numbers.length });
    for (const r of rows) taken.add(r.number as string);
  }
  // A ticket already imported keeps its number: only another ticket's use of it is a conflict.
  const mine = new Set(page.filter((r) => run.ledger.target('ticket', r.ticket_id)).map((r) => String(r.number ?? '').trim() || String(r.ticket_id)));
  for (const n of mine) taken.delete(n);
  return taken;
}

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

/** The ticket's SLA clocks from its history: its first response is its thread's first response entry. */
function ticketClock(run: ImportRun, plan: Plan, thread: readonly SourceRow[]): Row {
  const responses = thread.filter((e) => e.type === 'R').map((e) => sourceTime(e.created)).filter((t): t is string => !!t).sort();
  const v = plan.values;
  return importedClock(run.slaPlans.get(v.sla_plan_id as string) ?? null, run.prioritySlugs.get(v.priority_id as string) ?? null, {
    createdAt: v.created_at as string,
    state: (v.status as TicketState | undefined) ?? 'open',
    manualDueAt: v.due_at as string | null,
    firstResponseAt: responses[0] ?? null,
    closedAt: v.closed_at as string | null,
  }, new Date());
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
    // An agent's own due date only: est_duedate is osTicket's SLA arithmetic, which the clocks redo under the tenant's plan.
    due_at: sourceTime(row.duedate),
    created_at: sourceTime(row.created) ?? new Date().toISOString(),
    updated_at: sourceTime(row.updated) ?? sourceTime(row.created) ?? new Date().toISOString(),
    closed_at: closed,
  };
}

/** osTicket 1.14+ merges a ticket into another by `ticket_pid`: ours by `merged_into_id`, once both are here. */
async function linkMerged(run: ImportRun): Promise<void> {
  const merged = await run.source.select<{ ticket_id: number; ticket_pid: number }>(`SELECT ticket_id, ticket_pid FROM ${run.source.t('ticket')} WHERE ticket_pid IS NOT NULL AND ticket_pid <> ticket_id`);
  await run.ledger.some('ticket', merged.flatMap((m) => [m.ticket_id, m.ticket_pid]));
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

/** Ticket numbers, thread-entry counts and attachment bytes of the tenant (and its subtenants), against the source. */
export async function verifyTickets(run: ImportRun): Promise<ImportChecks> {
  const { source } = run;
  const numbers = { source: 0, inTenant: 0, missing: [] as string[] };
  for await (const page of source.pages(`SELECT ticket_id, number FROM ${source.t('ticket')} WHERE ticket_id > ? ORDER BY ticket_id LIMIT ?`, 'ticket_id', TICKET_PAGE)) {
    await run.ledger.some('ticket', page.map((t) => t.ticket_id));
    const expected = page.filter((t) => run.ledger.target('ticket', t.ticket_id)).map((t) => String(t.number ?? '').trim() || String(t.ticket_id));
    const found = new Set<string>();
    for (const tenantId of importedTenants(run)) {
      for (const r of await listObjects(run.ctx, 'ticket', { where: { tenant_id: tenantId }, filter: sql<boolean>`number = any(${expected})`, limit: expected.length })) found.add(r.number as string);
    }
    numbers.source += expected.length;
    numbers.inTenant += expected.filter((n) => found.has(n)).length;
    numbers.missing.push(...expected.filter((n) => !found.has(n)).slice(0, Math.max(0, 1000 - numbers.missing.length)));
    run.ledger.forget('ticket');
  }
  const [entries] = await source.select<{ n: number }>(
    `SELECT COUNT(*) AS n FROM ${source.t('thread_entry')} e JOIN ${source.t('thread')} th ON th.id = e.thread_id AND th.object_type = 'T' WHERE e.type IN ('M', 'R', 'N')`,
  );
  const [bytes] = await source.select<{ n: string | null }>(
    `SELECT SUM(f.size) AS n FROM ${source.t('attachment')} a JOIN ${source.t('file')} f ON f.id = a.file_id WHERE a.type = 'H'`,
  );
  let tenantBytes = 0;
  let tenantEntries = 0;
  for (const tenantId of importedTenants(run)) {
    const sums = await aggregateObjects(run.ctx, 'attachment', async (tx, rows) => (await sql<{ n: string }>`select coalesce(sum(size), 0)::text as n from attachments where ${rows}`.execute(tx)).rows[0]!.n, { tenant_id: tenantId });
    tenantBytes += sums.reduce((sum, n) => sum + Number(n), 0);
    tenantEntries += (await countObjects(run.ctx, 'threadEntry', { tenant_id: tenantId, kind: 'reply' })) + (await countObjects(run.ctx, 'threadEntry', { tenant_id: tenantId, kind: 'note' }));
  }
  return {
    ticketNumbers: numbers,
    threadEntries: { source: Number(entries?.n ?? 0), inTenant: tenantEntries },
    attachmentBytes: { source: Number(bytes?.n ?? 0), inTenant: tenantBytes },
  };
}
