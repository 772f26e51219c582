import { sanitizeMailBody } from '../desk/sanitize.ts';
import type { TenantInfo } from '../tenancy/catalog/snapshot.ts';
import { htmlToText } from './message-traits.ts';

/**
 * Turns a mail template and the values of one mail into what is sent: a one-line subject, an HTML
 * body inside the tenant's branded layout, and its text alternative. Pure; tested on its own.
 *
 * What a value may do, whoever wrote it (a customer's name, a ticket's subject, a template):
 * - in the subject, nothing but be text: CR, LF and other control characters become spaces, so
 *   no value can end the Subject header and start another;
 * - in the body, nothing but be text: every value is HTML-escaped, except `entry.body`, which is a
 *   thread entry's HTML, sanitised when it was stored; the rendered body is sanitised once more
 *   (the same allow-list as thread entries: no script, no event handler, no javascript: link);
 * - in the layout, nothing: the tenant's name is escaped and its colour used only if it is #rrggbb.
 *
 * @example
 * renderMail({ subject: 'Re: [{{ticket.number}}] {{ticket.subject}}', body: '<p>Hello {{recipient.name}}</p>' },
 *   { ticket: { number: 'ACME-000042', subject: 'Printer' }, recipient: { name: 'Carol' } }, { name: 'Acme', color: '#1f4e79' });
 * // { subject: 'Re: [ACME-000042] Printer', html: '<!doctype html>...<p>Hello Carol</p>...', text: 'Hello Carol\n\n-- \nAcme' }
 */
export type TemplateText = { readonly subject: string; readonly body: string };

export type MailValues = {
  readonly ticket?: { readonly number?: string | null; readonly subject?: string | null; readonly status?: string | null };
  readonly recipient?: { readonly name?: string | null; readonly email?: string | null };
  readonly tenant?: { readonly name?: string | null };
  readonly entry?: { readonly body?: string | null };
  readonly sla?: { readonly clock?: string | null; readonly due?: string | null; readonly count?: number | null; readonly tickets?: readonly OverdueItem[] };
  /** The signed address that rates a resolution without signing in (decisions 0126, 0135). */
  readonly rating?: { readonly link?: string | null };
};

/** A breach listed by an overdue digest (the sweep's `template_data.tickets`). */
export type OverdueItem = { readonly number?: string | null; readonly subject?: string | null; readonly clock?: string | null; readonly due?: string | null };

export type Brand = { readonly name: string; readonly color: string };
export type RenderedMail = { readonly subject: string; readonly html: string; readonly text: string };

/** Every placeholder a template may use; `entry.body` is HTML, the others text. */
export const PLACEHOLDERS = [
  'ticket.number',
  'ticket.subject',
  'ticket.status',
  'recipient.name',
  'recipient.email',
  'tenant.name',
  'entry.body',
  'sla.clock',
  'sla.due',
  'sla.count',
  'sla.tickets',
  'rating.link',
] as const;
export type Placeholder = (typeof PLACEHOLDERS)[number];

/** Placeholders whose value is HTML we built (never in a subject). */
export const HTML_PLACEHOLDERS: readonly Placeholder[] = ['entry.body', 'sla.tickets'];

/** `{{ name }}`, spaces allowed inside the braces. */
export const PLACEHOLDER = /\{\{\s*([a-z]+(?:\.[a-z]+)*)\s*\}\}/gi;

const DEFAULT_COLOR = '#1f4e79';
const COLOR = /^#[0-9a-f]{6}$/i;

export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** Control characters (CR and LF among them) as spaces, runs of spaces as one: a header-safe line. */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f\u0085\u2028\u2029]+/g, ' ').replace(/\s{2,}/g, ' ').trim();
}

/** A digest's list: one escaped line per breach, and how many more it did not name. */
function overdueList(sla: NonNullable<MailValues['sla']>): string {
  const items = sla.tickets ?? [];
  const line = (i: OverdueItem) => `<li>${escapeHtml(`[${i.number ?? ''}] ${i.subject ?? ''}: ${i.clock ?? ''} was due ${i.due ?? ''}`)}</li>`;
  const more = (sla.count ?? items.length) - items.length;
  return `<ul>${items.map(line).join('')}</ul>${more > 0 ? `<p>${escapeHtml(`… and ${more} more in the overdue queue.`)}</p>` : ''}`;
}

function valueOf(values: MailValues, name: string): string {
  if (name === 'sla.tickets') return values.sla ? overdueList(values.sla) : '';
  const [group, field] = name.split('.') as [keyof MailValues, string];
  const value = (values[group] as Record<string, unknown> | undefined)?.[field];
  return value === null || value === undefined ? '' : String(value);
}

/** The tenant's name and brand colour (catalog `branding.primaryColor`), or the default colour. */
export function brandOf(tenant: Pick<TenantInfo, 'name' | 'branding'> | undefined): Brand {
  const color = tenant?.branding.primaryColor;
  return { name: tenant?.name ?? '', color: typeof color === 'string' && COLOR.test(color) ? color.toLowerCase() : DEFAULT_COLOR };
}

export function renderSubject(template: string, values: MailValues): string {
  return oneLine(template.replace(PLACEHOLDER, (_, name: string) => oneLine(valueOf(values, name)))).slice(0, 900);
}

/** The template's body with its values: escaped text, `entry.body` and `sla.tickets` as HTML, then sanitised as a whole, images left out (sanitizeMailBody). */
export function renderBody(template: string, values: MailValues): string {
  const filled = template.replace(PLACEHOLDER, (_, name: string) => ((HTML_PLACEHOLDERS as readonly string[]).includes(name) ? valueOf(values, name) : escapeHtml(valueOf(values, name))));
  return sanitizeMailBody(filled);
}

export function renderMail(template: TemplateText, values: MailValues, brand: Brand): RenderedMail {
  const subject = renderSubject(template.subject, values);
  const body = renderBody(template.body, values);
  const number = valueOf(values, 'ticket.number');
  const footer = number ? `${brand.name} · ${number}` : brand.name;
  return { subject, html: layout(subject, body, brand, footer), text: `${htmlToText(body)}\n\n-- \n${footer}`.trim() };
}

/** The branded frame: table layout and inline styles, which mail clients render alike. */
function layout(subject: string, body: string, brand: Brand, footer: string): string {
  return [
    '<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="margin:0;padding:0;background:#f3f4f6">',
    '<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f3f4f6"><tr><td align="center" style="padding:24px 12px">',
    '<table role="presentation" width="600" cellpadding="0" cellspacing="0" style="max-width:600px;width:100%;background:#ffffff;font-family:Arial,Helvetica,sans-serif;font-size:15px;line-height:1.5;color:#1f2937">',
    `<tr><td style="background:${brand.color};color:#ffffff;padding:16px 24px;font-size:18px;font-weight:bold">${escapeHtml(brand.name)}</td></tr>`,
    `<tr><td style="padding:24px">${body}</td></tr>`,
    `<tr><td style="padding:12px 24px;color:#6b7280;font-size:12px;border-top:1px solid #e5e7eb">${escapeHtml(footer)}</td></tr>`,
    '</table></td></tr></table></body></html>',
  ].join('\n');
}
