import { AppError } from '../errors.ts';
import { recordAuditInScope } from '../identity/audit.ts';
import { inSet } from '../tenancy/access.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, deleteObject, inTransaction, listObjects, updateObject, type Row } from '../tenancy/data-access.ts';
import { bareSubject } from './message-traits.ts';
import { brandOf, HTML_PLACEHOLDERS, PLACEHOLDER, PLACEHOLDERS, renderMail, type MailValues, type OverdueItem, type Placeholder, type RenderedMail } from './render-mail.ts';

/**
 * The mail templates (migration 0017): per kind of mail, a subject and an HTML body with
 * placeholders. Public defaults (no tenant) ship with the migration; a tenant's own row of a kind
 * wins over the default for that tenant's mail only. Administrators of a tenant (`admin.tenant`)
 * write its rows through the data-access layer, whose write rules keep them to their tenants and
 * leave the public defaults to the service provider.
 */
export const TEMPLATE_KINDS = ['auto-reply', 'agent-reply', 'assignment', 'overdue', 'overdue-digest', 'resolved'] as const;
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

const COMMON: readonly Placeholder[] = ['ticket.number', 'ticket.subject', 'ticket.status', 'recipient.name', 'recipient.email', 'tenant.name'];

/** The placeholders each kind has values for; `entry.body` (HTML) never in a subject. */
export const KIND_PLACEHOLDERS: Record<TemplateKind, readonly Placeholder[]> = {
  'auto-reply': [...COMMON, 'entry.body'],
  'agent-reply': [...COMMON, 'entry.body'],
  assignment: COMMON,
  overdue: [...COMMON, 'sla.clock', 'sla.due'],
  // One mail for the breaches of several tickets (the overdue sweep): no single ticket to name.
  'overdue-digest': ['recipient.name', 'recipient.email', 'tenant.name', 'sla.count', 'sla.tickets'],
  // To the requester when a ticket is resolved, with the link that rates the resolution.
  resolved: [...COMMON, 'rating.link'],
};

export type TemplateInput = { subject: string; body: string };

export const isTemplateKind = (kind: unknown): kind is TemplateKind => (TEMPLATE_KINDS as readonly unknown[]).includes(kind);

/** Refuses a placeholder the kind has no value for, naming it and the field it is in. */
function checkPlaceholders(kind: TemplateKind, field: 'subject' | 'body', text: string): void {
  for (const [, name] of text.matchAll(PLACEHOLDER)) {
    const allowed = KIND_PLACEHOLDERS[kind].filter((p) => field === 'body' || !HTML_PLACEHOLDERS.includes(p));
    if (!allowed.includes(name as Placeholder)) {
      const known = (PLACEHOLDERS as readonly string[]).includes(name!) ? `is not available in the ${field} of ${kind} mail` : 'is unknown';
      throw new AppError('VALIDATION_FAILED', `The placeholder {{${name}}} ${known}; use ${allowed.map((p) => `{{${p}}}`).join(', ')}.`, field);
    }
  }
}

function checkTemplate(kind: TemplateKind, input: TemplateInput): TemplateInput {
  const subject = input.subject.trim();
  if (!subject || subject.length > 300 || /[\r\n]/.test(subject)) throw new AppError('VALIDATION_FAILED', 'A subject is one line of 1-300 characters.', 'subject');
  if (!input.body.trim() || input.body.length > 20_000) throw new AppError('VALIDATION_FAILED', 'A body is 1-20000 characters of HTML.', 'body');
  checkPlaceholders(kind, 'subject', subject);
  checkPlaceholders(kind, 'body', input.body);
  return { subject, body: input.body };
}

/**
 * The template `tenantId`'s mail of `kind` uses: its own row, else the public default. Read with
 * the context narrowed to that one tenant, so a role reading several never gets another's row.
 */
export async function effectiveTemplate(ctx: TenancyContext, tenantId: number, kind: TemplateKind): Promise<Row> {
  return (await templateRows(ctx, tenantId, kind, 1))[0]!;
}

/** The tenant's own row of `kind` first, if any, then the public default; `limit` 1 is the effective one alone. */
async function templateRows(ctx: TenancyContext, tenantId: number, kind: TemplateKind, limit: 1 | 2): Promise<Row[]> {
  const read = inSet(ctx.access.read, tenantId) || inSet(ctx.access.write, tenantId) ? [tenantId] : [];
  const narrowed: TenancyContext = { ...ctx, access: { ...ctx.access, read } };
  // Ascending puts the tenant's own row before the public one (nulls sort last).
  const rows = await listObjects(narrowed, 'mailTemplate', { where: { kind }, orderBy: 'tenant_id', limit });
  if (!rows.length) throw new Error(`No ${kind} mail template: migration 0017 seeds the public defaults.`);
  return rows;
}

/**
 * Renders `tenantId`'s mail of `kind` with its template, in the tenant's branded layout: the
 * template is read once, then each call renders one mail (one per recipient).
 */
export async function mailRenderer(ctx: TenancyContext, tenantId: number, kind: TemplateKind): Promise<(values: MailValues) => RenderedMail> {
  const template = await effectiveTemplate(ctx, tenantId, kind);
  const tenant = ctx.catalog.byId.get(tenantId);
  const text = { subject: template.subject as string, body: template.body as string };
  return (values) => renderMail(text, { ...values, tenant: { name: tenant?.name ?? '' } }, brandOf(tenant));
}

/** A ticket's values for a template (its subject without `Re:` and numbers: templates add them). */
export const ticketValues = (ticket: Row): MailValues['ticket'] => ({
  number: ticket.number as string | null,
  subject: bareSubject(ticket.subject as string),
  status: ticket.status as string,
});

/**
 * The SLA values of an overdue row queued by the sweep (`template_data`): one breach (clock and due
 * date) or a digest (how many, and the ones it lists).
 */
export function overdueValues(data: Record<string, unknown>): MailValues['sla'] {
  if (Array.isArray(data.tickets)) return { count: Number(data.count ?? data.tickets.length), tickets: data.tickets as OverdueItem[] };
  return { clock: (data.clock as string | undefined) ?? '', due: (data.due as string | undefined) ?? '' };
}

/**
 * Every kind's effective template for a tenant, for its administrators, with the public default's
 * text beside it (`default_subject`, `default_body`: what a reset goes back to).
 */
export async function listTemplates(ctx: TenancyContext, tenantId: number): Promise<Row[]> {
  return Promise.all(
    TEMPLATE_KINDS.map(async (kind) => {
      const rows = await templateRows(ctx, tenantId, kind, 2);
      const fallback = rows.at(-1)!;
      return { ...rows[0]!, default_subject: fallback.subject, default_body: fallback.body };
    }),
  );
}

/** Sample values for a preview: every placeholder of every kind has one. */
const SAMPLE_VALUES: MailValues = {
  ticket: { number: 'DEMO-000042', subject: 'The printer jams', status: 'open' },
  recipient: { name: 'Alex Example', email: 'alex@example.test' },
  entry: { body: '<p>The printer on the second floor jams on every second page.</p>' },
  rating: { link: 'https://demo.example/rate/sr.sample' },
  sla: { clock: 'resolution', due: '2026-01-05 17:00', count: 2, tickets: [{ number: 'DEMO-000042', subject: 'The printer jams', clock: 'resolution', due: '2026-01-05 17:00' }, { number: 'DEMO-000043', subject: 'No VPN', clock: 'first response', due: '2026-01-05 18:00' }] },
};

/**
 * A template as the tenant's mail would look, with sample values, before it is saved: checked as
 * a save checks it (a bad placeholder is VALIDATION_FAILED naming the field), rendered as sent.
 * Pure: nothing is read or written.
 */
export function previewTemplate(ctx: TenancyContext, tenantId: number, kind: TemplateKind, input: TemplateInput): RenderedMail {
  const tenant = ctx.catalog.byId.get(tenantId);
  return renderMail(checkTemplate(kind, input), { ...SAMPLE_VALUES, tenant: { name: tenant?.name ?? '' } }, brandOf(tenant));
}

/** Writes the tenant's own template of `kind` (null: the public default); audited. */
export async function saveTemplate(ctx: TenancyContext, tenantId: number | null, kind: TemplateKind, input: TemplateInput): Promise<Row> {
  const values = checkTemplate(kind, input);
  return inTransaction(ctx, async (tx) => {
    const [own] = await listObjects(tx, 'mailTemplate', { where: { tenant_id: tenantId, kind }, limit: 1 });
    const saved = own
      ? await updateObject(tx, 'mailTemplate', own.id as string, { ...values, updated_at: new Date() })
      : await createObject(tx, 'mailTemplate', { tenant_id: tenantId, kind, ...values });
    if (tenantId !== null) await recordAuditInScope(tx, { tenantId, action: 'mail_template.saved', objectType: 'mailTemplate', objectId: saved.id as string, data: { kind } });
    return saved;
  }, tenantId);
}

/** Removes the tenant's own template of `kind`: its mail uses the public default again. */
export async function resetTemplate(ctx: TenancyContext, tenantId: number, kind: TemplateKind): Promise<void> {
  await inTransaction(ctx, async (tx) => {
    const [own] = await listObjects(tx, 'mailTemplate', { where: { tenant_id: tenantId, kind }, limit: 1 });
    if (!own) throw new AppError('NOT_FOUND', `This tenant has no ${kind} template of its own; its mail uses the default.`);
    await deleteObject(tx, 'mailTemplate', own.id as string);
    await recordAuditInScope(tx, { tenantId, action: 'mail_template.reset', objectType: 'mailTemplate', objectId: own.id as string, data: { kind } });
  }, tenantId);
}
