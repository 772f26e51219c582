import type { ObjectTypeName } from '../../db/registry.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, inTransaction, listObjects, updateObject, type Row } from '../../tenancy/data-access.ts';
import { sanitizeBody } from '../../desk/sanitize.ts';
import { ImportLedger, rowDigest } from './import-ledger.ts';
import { emptyCounts, type ImportReport, type ObjectCounts } from './import-report.ts';
import { prioritySlug, staffRoleSlug, statusState, type Mapped, mapped, unmappable } from './osticket-mapping.ts';
import type { OsticketSource, SourceRow } from './osticket-source.ts';
import { importTickets, verifyTickets } from './import-tickets.ts';
import { importFaq } from './import-faq.ts';
import { importMailboxes } from './import-mailboxes.ts';
import type { MailboxDeps } from '../../mail/mailboxes.ts';
import { planFromRow, type SlaPlan } from '../../sla/sla-plan.ts';
import { importOrganizations, type OrganizationMode, type SubtenantMaker } from './import-organizations.ts';

export type ImportProgress = (table: string, done: number, total: number) => void;

export type ImportOptions = {
  /** The tenant written to; undefined in a dry run for a tenant that does not exist yet. */
  readonly tenantId: number | undefined;
  readonly tenantSlug: string;
  readonly dryRun: boolean;
  /** Where attachment files go, and how large one may be. */
  readonly attachments: { readonly dataDir: string; readonly maxBytes: number };
  /** The folder of osTicket's filesystem attachment storage, for files not kept in the database. */
  readonly filesDir?: string | undefined;
  readonly progress?: ImportProgress | undefined;
  /** Tickets read per page and written per transaction (TICKET_PAGE by default). */
  readonly ticketsPerPage?: number | undefined;
  /** Organizations as their users' attribute (the default) or as subtenants, made by `subtenants`. */
  readonly organizations?: OrganizationMode | undefined;
  readonly subtenants?: SubtenantMaker | undefined;
  /** What creating mailboxes needs (connector, sender domains); without it email addresses are reported, not imported. */
  readonly mailboxes?: MailboxDeps | undefined;
};

/** What every step shares: the context, the ledger, the options, the report being filled. */
export type ImportRun = {
  /** Rebuilt once subtenants are made, so that its catalog knows them. */
  ctx: TenancyContext;
  readonly source: OsticketSource;
  readonly ledger: ImportLedger;
  readonly options: ImportOptions;
  readonly report: ImportReport;
  /** Public priorities by osTicket priority id. */
  readonly priorities: Map<string, string>;
  /** The slug of each of our priorities, by id: SLA targets are per priority slug. */
  readonly prioritySlugs: Map<string, string>;
  /** The SLA plans the tenant reads, by id, for the tickets' clocks. */
  readonly slaPlans: Map<string, SlaPlan>;
  /** Our public roles by slug: what staff and users are given. */
  readonly roles: Map<string, string>;
  /** Organization names by osTicket id, kept as their users' `organization` attribute. */
  readonly organizations: Map<string, string>;
  /** The subtenant of each organization, by osTicket id, when organizations are subtenants. */
  readonly organizationTenants: Map<string, number>;
  /** The tenant of each imported contact, by contact id, as looked up (only with subtenants). */
  readonly contactTenants: Map<string, number>;
  /** The state (open, closed...) of each status, by id: a ticket's `status` column follows its status. */
  readonly statusStates: Map<string, string>;
};

/** One kind of object: its source rows, and what each becomes (or why it cannot be mapped). */
type Step = {
  readonly name: string;
  readonly table: string;
  readonly type: ObjectTypeName;
  readonly query: string;
  readonly key: string;
  readonly map: (run: ImportRun, row: SourceRow) => Promise<Mapped<Row>> | Mapped<Row>;
  /** Rows written with the object in its unit of work (a contact's role and departments), on creation. */
  readonly companions?: (run: ImportRun, tx: TenancyContext, targetId: string, row: SourceRow) => Promise<void>;
  /** The tenant a new object goes to, when not the imported one (a user of an organization made a subtenant). */
  readonly tenant?: (run: ImportRun, row: SourceRow) => number | undefined;
  /** An existing object this row is the same as (a user whose email is already a contact's): linked, not created. */
  readonly existing?: (run: ImportRun, tenantId: number | undefined, values: Row) => Promise<string | undefined>;
};

/**
 * Imports one osTicket database into one tenant, re-runnably: settings objects, people, then
 * tickets with their threads and files; then checks the result against the source. Every object
 * is written with its ledger row in one unit of work, through the scoped data-access layer.
 */
export async function importOsticket(ctx: TenancyContext, source: OsticketSource, options: ImportOptions): Promise<ImportReport> {
  const report: ImportReport = { source: source.db.place, version: source.version, tenant: options.tenantSlug, dryRun: options.dryRun, objects: {} };
  const ledger = new ImportLedger(ctx, options.tenantId, `osticket:${source.db.place}`);
  const roles = new Map((await listObjects(ctx, 'role', { limit: 1000 })).filter((r) => r.tenant_id === null).map((r) => [r.slug as string, r.id as string]));
  // The rows its units of work see stay known to the run (a department, a contact), so a reference is looked up once.
  const run: ImportRun = { ctx: { ...ctx, known: new Map() }, source, ledger, options, report, priorities: new Map(), prioritySlugs: new Map(), slaPlans: new Map(), roles, statusStates: new Map(), organizations: new Map(), organizationTenants: new Map(), contactTenants: new Map() };
  await mapPriorities(run);
  await importOrganizations(run);
  for (const step of STEPS) await runStep(run, step);
  for (const s of await listObjects(run.ctx, 'ticketStatus', { limit: 1000 })) run.statusStates.set(s.id as string, s.state as string);
  for (const p of await listObjects(run.ctx, 'slaPlan', { limit: 1000 })) run.slaPlans.set(p.id as string, planFromRow(p));
  await importTickets(run);
  await importFaq(run);
  await importMailboxes(run);
  await notImported(run);
  if (!options.dryRun && options.tenantId !== undefined) report.checks = await verifyTickets(run);
  return report;
}

const tenantOf = (run: ImportRun) => run.options.tenantId;

/** Our public priorities stand for osTicket's: matched by name or urgency, never created. */
async function mapPriorities(run: ImportRun): Promise<void> {
  const ours = new Map((await listObjects(run.ctx, 'priority', { limit: 100 })).map((p) => [p.slug as string, p.id as string]));
  const rows = await run.source.select(`SELECT * FROM ${run.source.t('ticket_priority')} ORDER BY priority_id`);
  const counts = (run.report.objects.priorities = emptyCounts(rows.length));
  for (const row of rows) {
    const slug = prioritySlug(Number(row.priority_urgency), String(row.priority ?? ''));
    if (!slug.ok || !ours.has(slug.value)) {
      counts.unmapped.push({ id: String(row.priority_id), reason: slug.ok ? `no public priority "${slug.value}"` : slug.reason });
      continue;
    }
    run.priorities.set(String(row.priority_id), ours.get(slug.value)!);
    run.prioritySlugs.set(ours.get(slug.value)!, slug.value);
    counts.unchanged++;
    counts.inTenant++;
  }
  counts.notes.push('priorities are public objects: each osTicket priority is matched to one of ours, none is created');
}

async function runStep(run: ImportRun, step: Step): Promise<void> {
  const { source, ledger, options } = run;
  const total = await source.count(step.table);
  const counts: ObjectCounts = (run.report.objects[step.name] = emptyCounts(total));
  const known = await ledger.load(step.table);
  let done = 0;
  for await (const page of source.pages(step.query, step.key)) {
    for (const row of page) {
      await importRow(run, step, counts, known.get(String(row[step.key])), row);
      options.progress?.(step.name, ++done, total);
    }
  }
  counts.inTenant = options.dryRun ? counts.inTenant + counts.created : known.size;
}

async function importRow(run: ImportRun, step: Step, counts: ObjectCounts, known: { targetId: string; digest: string } | undefined, row: SourceRow): Promise<void> {
  const id = String(row[step.key]);
  const digest = rowDigest(row);
  if (known?.digest === digest) {
    counts.unchanged++;
    if (run.options.dryRun) counts.inTenant++;
    return;
  }
  const values = await step.map(run, row);
  if (!values.ok) {
    counts.unmapped.push({ id, reason: values.reason });
    return;
  }
  if (run.options.dryRun) {
    if (known) {
      counts.updated++;
      counts.inTenant++;
    } else {
      counts.created++;
      run.ledger.plan(step.table, id);
    }
    return;
  }
  const tenant = step.tenant?.(run, row) ?? tenantOf(run);
  const linked = known ? undefined : await step.existing?.(run, tenant, values.value);
  await inTransaction(run.ctx, async (tx) => {
    let targetId: string;
    if (known) {
      targetId = known.targetId;
      await updateObject(tx, step.type, targetId, values.value);
    } else if (linked) {
      targetId = linked;
    } else {
      targetId = (await createObject(tx, step.type, { ...values.value, tenant_id: tenant })).id as string;
      if (tenant !== tenantOf(run)) run.contactTenants.set(targetId, tenant!);
      await step.companions?.(run, tx, targetId, row);
    }
    await run.ledger.record(tx, step.table, id, step.type, targetId, digest);
  }, tenantOf(run));
  if (known) counts.updated++;
  else counts.created++;
  if (linked) counts.notes.push(`${id}: linked to the existing contact with the same email`);
}

const text = (value: unknown, fallback = ''): string => (value === null || value === undefined ? fallback : String(value)).trim();
const active = (value: unknown) => Number(value) === 1;

/** A contact already in the tenant with this email (an agent who is also a user, a contact made by hand). */
async function contactByEmail(run: ImportRun, tenantId: number | undefined, email: unknown): Promise<string | undefined> {
  if (tenantId === undefined || typeof email !== 'string') return undefined;
  const [found] = await listObjects(run.ctx, 'contact', { where: { tenant_id: tenantId, email }, limit: 1 });
  return found?.id as string | undefined;
}

function roleId(run: ImportRun, slug: string): string {
  const id = run.roles.get(slug);
  if (!id) throw new Error(`The public role "${slug}" is missing.`);
  return id;
}

const email = (value: unknown): Mapped<string> => {
  const address = text(value).toLowerCase();
  return /^[^@\s]+@[^@\s]+$/.test(address) ? mapped(address) : unmappable(address ? `email "${address}" is not an address` : 'no email address');
};

const STEPS: readonly Step[] = [
  {
    name: 'departments',
    table: 'department',
    type: 'department',
    key: 'id',
    query: 'SELECT id, name FROM `ost_department` WHERE id > ? ORDER BY id LIMIT ?',
    map: (_run, row) => (text(row.name) ? mapped({ name: text(row.name).slice(0, 200) }) : unmappable('no name')),
  },
  {
    name: 'sla plans',
    table: 'sla',
    type: 'slaPlan',
    key: 'id',
    query: 'SELECT id, name, isactive, grace_period FROM `ost_sla` WHERE id > ? ORDER BY id LIMIT ?',
    // osTicket's grace period is the hours a ticket may stay open: our resolution target.
    map: (_run, row) => (Number(row.grace_period) > 0 ? mapped({ name: text(row.name, 'SLA').slice(0, 200), resolution_minutes: Number(row.grace_period) * 60, active: active(row.isactive) }) : unmappable('grace period of 0 hours: no target to keep')),
  },
  {
    name: 'ticket statuses',
    table: 'ticket_status',
    type: 'ticketStatus',
    key: 'id',
    query: 'SELECT id, name, state, sort FROM `ost_ticket_status` WHERE id > ? ORDER BY id LIMIT ?',
    map: (_run, row) => {
      const state = statusState(row.state as string | null, text(row.name));
      const slug = `ost-${row.id}-${text(row.name).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '')}`.slice(0, 60);
      return state.ok ? mapped({ name: text(row.name, `Status ${row.id}`), slug, state: state.value, position: 100 + Number(row.sort ?? 0) }) : unmappable(state.reason);
    },
  },
  {
    name: 'agents',
    table: 'staff',
    type: 'contact',
    key: 'staff_id',
    query: 'SELECT staff_id, dept_id, firstname, lastname, username, email, isactive, isadmin FROM `ost_staff` WHERE staff_id > ? ORDER BY staff_id LIMIT ?',
    map: (_run, row) => {
      const address = email(row.email);
      if (!address.ok) return address;
      const name = `${text(row.firstname)} ${text(row.lastname)}`.trim() || text(row.username, address.value);
      return mapped({ kind: 'agent', email: address.value, name, status: active(row.isactive) ? 'active' : 'disabled' });
    },
    existing: (run, tenantId, values) => contactByEmail(run, tenantId, values.email),
    companions: async (run, tx, contactId, row) => {
      await createObject(tx, 'contactRole', { contact_id: contactId, role_id: roleId(run, staffRoleSlug(row.isadmin)), is_default: true });
      // Department access: the primary department and every extra one osTicket grants.
      const extra = run.source.has('staff_dept_access') ? await run.source.select<{ dept_id: number }>(`SELECT dept_id FROM ${run.source.t('staff_dept_access')} WHERE staff_id = ?`, [row.staff_id]) : [];
      const departments = new Set([row.dept_id, ...extra.map((e) => e.dept_id)].map((d) => run.ledger.target('department', d)).filter((d): d is string => !!d));
      for (const department of departments) await createObject(tx, 'contactDepartment', { contact_id: contactId, department_id: department });
    },
  },
  {
    name: 'teams',
    table: 'team',
    type: 'team',
    key: 'team_id',
    query: 'SELECT team_id, name FROM `ost_team` WHERE team_id > ? ORDER BY team_id LIMIT ?',
    map: (_run, row) => (text(row.name) ? mapped({ name: text(row.name).slice(0, 200) }) : unmappable('no name')),
    companions: async (run, tx, teamId, row) => {
      const members = await run.source.select<{ staff_id: number }>(`SELECT staff_id FROM ${run.source.t('team_member')} WHERE team_id = ?`, [row.team_id]);
      for (const m of members) {
        const contact = run.ledger.target('staff', m.staff_id);
        if (contact) await createObject(tx, 'teamMember', { team_id: teamId, contact_id: contact });
      }
    },
  },
  {
    name: 'customers',
    table: 'user',
    type: 'contact',
    key: 'id',
    query: 'SELECT u.id, u.org_id, u.name, u.status, e.address FROM `ost_user` u LEFT JOIN `ost_user_email` e ON e.id = u.default_email_id WHERE u.id > ? ORDER BY u.id LIMIT ?',
    map: (run, row) => {
      const address = email(row.address);
      const organization = run.organizations.get(String(row.org_id)) ?? null;
      return address.ok ? mapped({ kind: 'customer', email: address.value, name: text(row.name, address.value).slice(0, 200), organization }) : address;
    },
    // A user of an organization made a subtenant is a contact of that subtenant.
    tenant: (run, row) => run.organizationTenants.get(String(row.org_id)),
    existing: (run, tenantId, values) => contactByEmail(run, tenantId, values.email),
    companions: async (run, tx, contactId) => {
      await createObject(tx, 'contactRole', { contact_id: contactId, role_id: roleId(run, 'customer'), is_default: true });
    },
  },
  {
    name: 'help topics',
    table: 'help_topic',
    type: 'helpTopic',
    key: 'topic_id',
    query: 'SELECT topic_id, topic, isactive, dept_id, priority_id, sla_id FROM `ost_help_topic` WHERE topic_id > ? ORDER BY topic_id LIMIT ?',
    map: (run, row) =>
      text(row.topic)
        ? mapped({
            name: text(row.topic).slice(0, 200),
            active: active(row.isactive),
            department_id: run.ledger.target('department', row.dept_id) ?? null,
            priority_id: run.priorities.get(String(row.priority_id)) ?? null,
            sla_plan_id: run.ledger.target('sla', row.sla_id) ?? null,
          })
        : unmappable('no name'),
  },
  {
    name: 'canned responses',
    table: 'canned_response',
    type: 'cannedResponse',
    key: 'canned_id',
    query: 'SELECT canned_id, title, response FROM `ost_canned_response` WHERE canned_id > ? ORDER BY canned_id LIMIT ?',
    map: (_run, row) => {
      const body = sanitizeBody(text(row.response));
      return text(row.title) && body ? mapped({ title: text(row.title).slice(0, 200), body_html: body }) : unmappable('no title or an empty response');
    },
  },
];

/**
 * What the source holds that this importer does not bring across, counted so the report says so.
 * osTicket's form definitions: their values are kept per ticket (custom_fields, by field name), but
 * TenantDesk defines custom fields per help topic and osTicket attaches forms to topics through
 * ost_help_topic_form, which is not read: no definitions are created.
 */
async function notImported(run: ImportRun): Promise<void> {
  if (run.source.has('form_field')) {
    const n = await run.source.count('form_field', "name NOT IN ('subject', 'priority', 'message')");
    if (n) {
      (run.report.objects['custom form fields'] = emptyCounts(n)).notes.push(
        "definitions not imported: TenantDesk defines custom fields per help topic, and osTicket's forms reach topics through ost_help_topic_form, which this importer does not read; each ticket's values are kept in its custom fields by field name (label when unnamed)",
      );
    }
  }
}
