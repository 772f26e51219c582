import { AppError } from '../errors.ts';
import type { AdminOptions } from './admin-commands.ts';
import { admin, tenantId } from './admin-context.ts';
import type { Runtime } from './runtime.ts';

/** The email channel's administrative commands (`mailbox ...`, `mail ...`), run here or in the server; each loads the mail modules when it runs. */
type AdminCommand = (rt: Runtime, options: AdminOptions) => Promise<string>;

const text = (o: AdminOptions, key: string): string | undefined => (typeof o[key] === 'string' && o[key] ? (o[key] as string) : undefined);
const required = (o: AdminOptions, key: string): string => {
  const value = text(o, key);
  if (!value) throw new AppError('VALIDATION_FAILED', `--${key} is required.`, key);
  return value;
};
const slugOf = (rt: Runtime, id: unknown) => (typeof id === 'number' ? rt.catalog.snapshot().byId.get(id)?.slug : undefined) ?? '?';

export const mailCommands: Record<string, AdminCommand> = {
  'mailbox.add': async (rt, o) => {
    const [{ createMailbox }, { mailDeps }] = await Promise.all([import('../mail/mailboxes.ts'), import('../mail/mail-context.ts')]);
    const ctx = await admin(rt);
    const mailbox = await createMailbox(ctx, mailDeps(rt), {
      tenantId: await tenantId(rt, required(o, 'tenant')),
      address: required(o, 'address'),
      ...(text(o, 'name') ? { name: text(o, 'name')! } : {}),
      ...(text(o, 'from') ? { fromAddress: text(o, 'from')! } : {}),
      ...(text(o, 'imap') ? { imapUrl: text(o, 'imap')! } : {}),
      ...(text(o, 'imapMoveTo') ? { imapMoveTo: text(o, 'imapMoveTo')! } : {}),
      ...(text(o, 'smtp') ? { smtpUrl: text(o, 'smtp')! } : {}),
      acceptUnknownSenders: o.knownSendersOnly !== true,
      autoReply: o.autoReply !== false,
    });
    return `Mailbox ${mailbox.address as string} now receives mail for ${required(o, 'tenant')}${mailbox.imap_host ? ` (IMAP ${mailbox.imap_host as string}:${mailbox.imap_port as number})` : ''}.`;
  },
  'mailbox.list': async (rt, o) => {
    const { listMailboxes } = await import('../mail/mailboxes.ts');
    const rows = await listMailboxes(await admin(rt), text(o, 'tenant') ? { tenant_id: await tenantId(rt, text(o, 'tenant')!) } : {});
    const lines = rows.map((m) => [m.address, slugOf(rt, m.tenant_id), m.imap_host ? `${m.imap_user as string}@${m.imap_host as string}:${m.imap_port as number}/${m.imap_folder as string}` : '-', m.smtp_url_enc ? 'own' : 'installation', m.active ? 'yes' : 'no'].join('\t'));
    return ['address\ttenant\timap\tsmtp relay\tactive', ...lines].join('\n');
  },
  'mailbox.remove': async (rt, o) => {
    const { listMailboxes, removeMailbox } = await import('../mail/mailboxes.ts');
    const ctx = await admin(rt);
    const address = required(o, 'address').toLowerCase();
    const [mailbox] = await listMailboxes(ctx, { address });
    if (!mailbox) throw new AppError('NOT_FOUND', `No mailbox ${address}.`, 'address');
    await removeMailbox(ctx, mailbox.id as string);
    return `Mailbox ${address} removed; mail to it is now refused.`;
  },
  'mail.quarantine': async (rt, o) => {
    const { listQuarantine } = await import('../mail/quarantine.ts');
    const ctx = await admin(rt);
    const only = text(o, 'tenant') ? await tenantId(rt, text(o, 'tenant')!) : undefined;
    const rows = (await listQuarantine(ctx, 1000)).filter((q) => only === undefined || q.tenant_id === only);
    return ['received\ttenant\tfrom\tsubject\tbytes\treason', ...rows.map((q) => [(q.created_at as Date).toISOString(), slugOf(rt, q.tenant_id), q.sender, q.subject, q.size, q.reason].join('\t'))].join('\n');
  },
  /** One raw message (base64 in `raw`, as the socket carries JSON); what became of it, one line per tenant. */
  'mail.pipe': async (rt, o) => {
    const raw = Buffer.from(required(o, 'raw'), 'base64');
    const [{ receiveMessage }, { mailDeps }] = await Promise.all([import('../mail/receive-message.ts'), import('../mail/mail-context.ts')]);
    const to = Array.isArray(o.to) ? o.to : text(o, 'to') ? [text(o, 'to')!] : undefined;
    const deliveries = await receiveMessage(mailDeps(rt), { raw, transport: 'pipe', ...(to?.length ? { recipients: to } : {}) });
    return deliveries.map((d) => `${slugOf(rt, d.tenantId)}: ${d.outcome}${d.ticketNumber ? ` ${d.ticketNumber}` : ''}${d.reason ? ` (${d.reason})` : ''}`).join('\n');
  },
};
