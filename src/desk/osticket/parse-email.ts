import type { AddressObject, ParsedMail } from 'mailparser';
import { AppError } from '../../errors.ts';
import { textToHtml } from '../../mail/message-traits.ts';
import { tooManyPartsProblem } from '../../mail/mime-parts.ts';

/**
 * A raw MIME message (RFC 5322) reduced to what the help desk uses. Kept apart from any channel so
 * that the osTicket `.email` endpoint and the mail channel (src/mail) parse the same way.
 */
export type ParsedEmail = {
  readonly from: { readonly address: string; readonly name: string } | undefined;
  readonly subject: string;
  /** HTML when the message has it, else the text part turned into HTML; not yet sanitised. */
  readonly html: string;
  readonly messageId: string | undefined;
  readonly inReplyTo: string | undefined;
  readonly references: readonly string[];
  readonly attachments: readonly { filename: string; contentType: string; data: Buffer }[];
};

function firstAddress(header: AddressObject | AddressObject[] | undefined): ParsedEmail['from'] {
  const list = Array.isArray(header) ? header : header ? [header] : [];
  for (const group of list) {
    for (const entry of group.value) {
      if (entry.address) return { address: entry.address.trim().toLowerCase(), name: (entry.name ?? '').trim() };
    }
  }
  return undefined;
}

/** Parses a raw message: what could be read of a malformed one (mailparser is lenient), or VALIDATION_FAILED. */
export async function parseEmail(raw: Buffer | string): Promise<ParsedEmail> {
  const tooManyParts = tooManyPartsProblem(Buffer.isBuffer(raw) ? raw : Buffer.from(raw));
  if (tooManyParts) throw new AppError('VALIDATION_FAILED', tooManyParts, 'body');
  let mail: ParsedMail;
  try {
    const { simpleParser } = await import('mailparser');
    mail = await simpleParser(raw, { skipImageLinks: true, skipTextToHtml: true, skipTextLinks: true });
  } catch (error) {
    throw new AppError('VALIDATION_FAILED', `This is not a readable email message (${(error as Error).message}).`, 'body');
  }
  const references = mail.references === undefined ? [] : Array.isArray(mail.references) ? mail.references : [mail.references];
  return {
    from: firstAddress(mail.from),
    subject: (mail.subject ?? '').trim(),
    html: typeof mail.html === 'string' && mail.html.trim() ? mail.html : textToHtml(mail.text ?? ''),
    messageId: mail.messageId,
    inReplyTo: mail.inReplyTo,
    references,
    attachments: mail.attachments
      .filter((a) => a.contentDisposition !== 'inline' || a.filename)
      .map((a) => ({ filename: a.filename ?? 'attachment', contentType: a.contentType, data: a.content })),
  };
}
