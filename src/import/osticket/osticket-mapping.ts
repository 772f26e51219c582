import type { TicketSource, TicketState } from '../../db/schema.ts';
import { sanitizeBody } from '../../desk/sanitize.ts';

/*
 * Pure translations of osTicket's values into ours, each with its own test: what a value becomes,
 * or why it cannot be mapped (the reason the report gives for that row).
 */

export type Mapped<T> = { ok: true; value: T } | { ok: false; reason: string };
export const mapped = <T>(value: T): Mapped<T> => ({ ok: true, value });
export const unmappable = <T>(reason: string): Mapped<T> => ({ ok: false, reason });

/** osTicket's ticket status states (ost_ticket_status.state) to ours; a status named "Resolved" stays resolved. */
export function statusState(state: string | null, name: string): Mapped<TicketState> {
  switch ((state ?? '').toLowerCase()) {
    case 'open':
      return mapped('open');
    case 'closed':
      return mapped(/resolved/i.test(name) ? 'resolved' : 'closed');
    // Archived and deleted tickets are closed ones osTicket hides; ours are closed and kept.
    case 'archived':
    case 'deleted':
      return mapped('closed');
    default:
      return unmappable(`unknown status state "${state ?? ''}"`);
  }
}

/** osTicket's priority urgency (1 most urgent .. 4 least) or its name, to one of our public priorities' slugs. */
export function prioritySlug(urgency: number, name: string): Mapped<string> {
  const byName: Record<string, string> = { emergency: 'urgent', urgent: 'urgent', high: 'high', normal: 'normal', medium: 'normal', low: 'low' };
  const named = byName[name.trim().toLowerCase()];
  if (named) return mapped(named);
  const byUrgency: Record<number, string> = { 1: 'urgent', 2: 'high', 3: 'normal', 4: 'low' };
  return byUrgency[urgency] ? mapped(byUrgency[urgency]!) : unmappable(`priority "${name}" has urgency ${urgency}, which matches none of low, normal, high, urgent`);
}

export function ticketSource(source: string | null): TicketSource {
  const sources: Record<string, TicketSource> = { web: 'web', email: 'email', phone: 'phone', api: 'api' };
  // "Other" (a ticket an agent opened by hand) has no counterpart: a ticket opened on the web panel.
  return sources[(source ?? '').toLowerCase()] ?? 'web';
}

/** A staff member's role: osTicket administrators administer the tenant; everyone else is an agent. */
export function staffRoleSlug(isAdmin: unknown): 'tenant-admin' | 'agent' {
  return Number(isAdmin) === 1 ? 'tenant-admin' : 'agent';
}

const escapeHtml = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** A thread entry's body as stored: HTML through our sanitizer; plain text escaped, paragraphs and line breaks kept. */
export function entryHtml(body: string, format: string | null): string {
  if ((format ?? 'html').toLowerCase() === 'html') return sanitizeBody(body);
  const paragraphs = body.replace(/\r\n?/g, '\n').split(/\n{2,}/).map((p) => p.trim()).filter(Boolean);
  return sanitizeBody(paragraphs.map((p) => `<p>${escapeHtml(p).replace(/\n/g, '<br>')}</p>`).join(''));
}

/** osTicket's DATETIME text (server-local, read as UTC) to an ISO timestamp; its zero date is no date. */
export function sourceTime(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null;
  const text = String(value);
  if (text.startsWith('0000-00-00')) return null;
  const iso = `${text.replace(' ', 'T')}${/[zZ]|[+-]\d\d:?\d\d$/.test(text) ? '' : 'Z'}`;
  return Number.isNaN(Date.parse(iso)) ? null : new Date(iso).toISOString();
}

/** A tenant slug from a multi-site row's site_name: lower-case letters, digits and inner hyphens. */
export function siteSlug(siteName: string): Mapped<string> {
  const slug = siteName.normalize('NFKD').replace(/[\u0300-\u036f]/g, '').toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63).replace(/-+$/, '');
  return slug ? mapped(slug) : unmappable(`site name "${siteName}" gives no slug`);
}

/** The host name of a multi-site row's url ("https://acme.example.com/", or the bare host as the seed's PHP compares it). */
export function siteHost(url: string): Mapped<string> {
  const text = url.trim();
  try {
    const host = new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`).hostname.toLowerCase();
    return host ? mapped(host) : unmappable(`url "${url}" has no host name`);
  } catch {
    return unmappable(`url "${url}" is not a URL`);
  }
}

/** The file of osTicket's filesystem storage (storage-fs plugin): the base folder, the key's first character, the key. */
export function storedFilePath(dir: string, key: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(key)) return undefined;
  return `${dir.replace(/\/+$/, '')}/${key[0]}/${key}`;
}
