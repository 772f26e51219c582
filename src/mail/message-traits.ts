/**
 * Pure readings of an incoming message's headers: its ids, whether a machine sent it, whether
 * its sender failed authentication, the ticket number in its subject. No I/O; tested on their own.
 */

/** A header as mailparser gives it in `headerLines`: the lower-cased name and the raw line. */
export type HeaderLine = { readonly key: string; readonly line: string };

export function normalizeAddress(address: string): string {
  return address.trim().toLowerCase();
}

/** The message ids in a Message-ID / In-Reply-To / References value, without angle brackets. */
export function messageIdsIn(value: string | readonly string[] | undefined): string[] {
  const text = Array.isArray(value) ? value.join(' ') : (value ?? '');
  const ids = [...(text as string).matchAll(/<([^<>\s]{1,998})>/g)].map((m) => m[1]!);
  // Some clients send bare ids; take the value itself when it has no brackets at all.
  if (!ids.length && /^[^<>\s]+@[^<>\s]+$/.test((text as string).trim())) ids.push((text as string).trim());
  return ids;
}

const valuesOf = (lines: readonly HeaderLine[], key: string): string[] =>
  lines.filter((h) => h.key === key).map((h) => h.line.slice(h.line.indexOf(':') + 1).trim().toLowerCase());

/**
 * Whether a machine sent the message (auto-replies, bounces, lists): such mail never gets an
 * auto-response from us, which is what breaks mail loops between two auto-responders.
 */
export function isAutomated(lines: readonly HeaderLine[], contentType: string, from: string): boolean {
  if (valuesOf(lines, 'auto-submitted').some((v) => v && !v.startsWith('no'))) return true;
  if (valuesOf(lines, 'precedence').some((v) => /^(bulk|junk|list|auto_reply)\b/.test(v))) return true;
  if (['x-autoreply', 'x-autorespond', 'x-auto-response-suppress', 'list-id', 'feedback-id'].some((k) => valuesOf(lines, k).length)) return true;
  if (valuesOf(lines, 'return-path').some((v) => v === '<>')) return true;
  // Delivery status notifications (RFC 3464) and the usual bounce senders.
  if (/^multipart\/report\b/i.test(contentType) || /^message\/delivery-status\b/i.test(contentType)) return true;
  return /^(mailer-daemon|postmaster)@/i.test(from);
}

/**
 * Whether an `Authentication-Results` header, when present, says SPF, DKIM or DMARC failed. Such a
 * sender is flagged: it may still reach the desk as a customer, never add collaborators or get an
 * auto-reply. A forged header can only flag its own message, never lift a flag. (Acting as an agent
 * takes a proof, not just the absence of a failure: reply-authentication.ts.)
 */
export function failsAuthentication(lines: readonly HeaderLine[]): boolean {
  return valuesOf(lines, 'authentication-results').some((v) => /\b(spf|dkim|dmarc)\s*=\s*(fail|permerror)\b/.test(v));
}

/** The ticket number in a subject (`Re: [ACME-000042] Printer`), upper-cased; undefined if none. */
export function subjectTicketNumber(subject: string): string | undefined {
  return /\[([a-z0-9][a-z0-9-]*-\d{6,})\]/i.exec(subject)?.[1]?.toUpperCase();
}

/** A subject without its `Re:`/`Fwd:` prefixes and ticket numbers (templates add their own). */
export function bareSubject(subject: string): string {
  return subject.replace(/^((re|fwd?|aw|sv)\s*:\s*)+/i, '').replace(/\s*\[[a-z0-9][a-z0-9-]*-\d{6,}\]\s*/gi, ' ').trim();
}

/** The subject of a reply about a ticket: the number once, `Re:` once. */
export function replySubject(number: string | null, subject: string): string {
  return `Re: ${number ? `[${number}] ` : ''}${bareSubject(subject)}`;
}

/** Plain text as HTML for a thread entry: escaped, paragraphs and line breaks kept. */
export function textToHtml(text: string): string {
  const escaped = text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return escaped
    .split(/\r?\n\s*\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => `<p>${p.replace(/\r?\n/g, '<br>')}</p>`)
    .join('');
}

/** HTML as the plain-text part of a mail we send. */
export function htmlToText(html: string): string {
  return html
    // A link keeps its address in the text (a rating link must work in a text-only reader).
    .replace(/<a\s[^>]*?href="([^"]+)"[^>]*>([\s\S]*?)<\/a>/gi, (link: string, href: string, label: string) => (label.replace(/<[^>]*>/g, '').trim() === href ? link : `${label} (${href})`))
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|li|h[1-6]|tr)>/gi, '\n\n')
    .replace(/<[^>]*>/g, '')
    .replace(/&nbsp;/g, ' ').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
