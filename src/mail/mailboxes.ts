import { AppError } from '../errors.ts';
import { recordAuditInScope } from '../identity/audit.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, deleteObject, findObject, inTransaction, listObjects, type Row } from '../tenancy/data-access.ts';
import { installationMailContext, type MailDeps } from './mail-context.ts';
import { mailboxRoutes } from './mailbox-routes.ts';
import { normalizeAddress } from './message-traits.ts';
import { requireSecretBox, type SecretBox } from './secret-box.ts';

export type CreateMailboxInput = {
  tenantId?: number;
  address: string;
  name?: string;
  fromAddress?: string;
  helpTopicId?: string;
  departmentId?: string;
  acceptUnknownSenders?: boolean;
  autoReply?: boolean;
  /** `imap://user:password@host:port/INBOX` (plain or STARTTLS) or `imaps://...` (TLS). */
  imapUrl?: string;
  /** After a message is committed, move it to this folder instead of only marking it seen. */
  imapMoveTo?: string;
  /** This tenant's own outbound relay, `smtp(s)://user:password@host:port`. */
  smtpUrl?: string;
};

const EMAIL = /^[^\s@<>"]+@[^\s@<>"]+\.[^\s@<>"]+$|^[^\s@<>"]+@localhost$/;

function address(value: string, field: string): string {
  const normalized = normalizeAddress(value);
  if (!EMAIL.test(normalized) || normalized.length > 320) throw new AppError('VALIDATION_FAILED', `"${value}" is not an email address.`, field);
  return normalized;
}

/** The IMAP columns of a mailbox from its URL; the password is stored encrypted. */
function imapColumns(box: SecretBox | undefined, url: string | undefined): Row {
  if (!url) return {};
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new AppError('VALIDATION_FAILED', 'The IMAP URL is imap://user:password@host:port/FOLDER or imaps://...', 'imap');
  }
  if (!['imap:', 'imaps:'].includes(parsed.protocol) || !parsed.hostname || !parsed.username) {
    throw new AppError('VALIDATION_FAILED', 'The IMAP URL is imap://user:password@host:port/FOLDER or imaps://... (with a user).', 'imap');
  }
  const tls = parsed.protocol === 'imaps:';
  return {
    imap_host: parsed.hostname,
    imap_port: parsed.port ? Number(parsed.port) : tls ? 993 : 143,
    imap_tls: tls,
    imap_user: decodeURIComponent(parsed.username),
    imap_password_enc: requireSecretBox(box, 'store IMAP passwords').encrypt(decodeURIComponent(parsed.password)),
    imap_folder: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'INBOX',
  };
}

/**
 * Adds a support address to a tenant. An address routes to one tenant only: every shard is asked
 * first (the unique index guards each database; the look across shards guards the installation).
 */
export async function createMailbox(ctx: TenancyContext, deps: Pick<MailDeps, 'box'> & Partial<MailDeps>, input: CreateMailboxInput): Promise<Row> {
  const values: Row = {
    ...(input.tenantId !== undefined ? { tenant_id: input.tenantId } : {}),
    address: address(input.address, 'address'),
    name: input.name ?? '',
    from_address: input.fromAddress ? address(input.fromAddress, 'fromAddress') : null,
    help_topic_id: input.helpTopicId ?? null,
    department_id: input.departmentId ?? null,
    accept_unknown_senders: input.acceptUnknownSenders ?? true,
    auto_reply: input.autoReply ?? true,
    ...imapColumns(deps.box, input.imapUrl),
    imap_move_to: input.imapMoveTo ?? null,
    smtp_url_enc: input.smtpUrl ? requireSecretBox(deps.box, 'store SMTP relay credentials').encrypt(input.smtpUrl) : null,
  };
  if (input.smtpUrl && !/^smtps?:\/\//.test(input.smtpUrl)) throw new AppError('VALIDATION_FAILED', 'The SMTP URL is smtp://... or smtps://...', 'smtp');
  // Tenant boundary exception, existence only: whether any tenant already has the address.
  const everyone = { ...ctx, access: { read: 'all', write: [], writePublic: false } as const, tx: undefined, txDatabase: undefined };
  if ((await listObjects(everyone, 'mailbox', { where: { address: values.address }, limit: 1 })).length) {
    throw new AppError('CONFLICT', `The address ${values.address as string} is already a support address.`, 'address');
  }
  const created = await inTransaction(ctx, async (tx) => {
    const mailbox = await createObject(tx, 'mailbox', values);
    await recordAuditInScope(tx, { tenantId: mailbox.tenant_id as number, action: 'mailbox.created', objectType: 'mailbox', objectId: mailbox.id as string, data: { address: mailbox.address } });
    return mailbox;
  }, input.tenantId);
  mailboxRoutes(ctx.shards).forget();
  return created;
}

/** A mailbox as shown to administrators: never its credentials. */
export function presentMailbox(row: Row): Row {
  const { imap_password_enc: _password, smtp_url_enc: smtp, ...rest } = row;
  return { ...rest, smtp_relay: smtp ? 'own' : 'installation' };
}

export async function listMailboxes(ctx: TenancyContext, where: Row = {}): Promise<Row[]> {
  return listObjects(ctx, 'mailbox', { where, orderBy: 'address', limit: 1000 });
}

export async function removeMailbox(ctx: TenancyContext, id: string): Promise<Row> {
  const mailbox = await findObject(ctx, 'mailbox', id);
  await inTransaction(ctx, async (tx) => {
    await deleteObject(tx, 'mailbox', id);
    await recordAuditInScope(tx, { tenantId: mailbox.tenant_id as number, action: 'mailbox.removed', objectType: 'mailbox', objectId: id, data: { address: mailbox.address } });
  }, mailbox.tenant_id as number);
  mailboxRoutes(ctx.shards).forget();
  return mailbox;
}

/**
 * The active mailbox an address belongs to, whichever tenant and shard holds it: the routing of
 * incoming mail. Two tenants claiming one address (possible only across shards, by a race) route
 * nowhere rather than to either.
 */
export async function mailboxForAddress(deps: MailDeps, recipient: string, within?: TenancyContext): Promise<Row | undefined> {
  const address = normalizeAddress(recipient);
  const catalog = deps.catalog();
  return mailboxRoutes(deps.shards).lookup(address, catalog.version, async () => {
    // Inside a unit of work the read joins its transaction (PGlite has one connection to give). Tenant
    // boundary: the read sees every tenant's mailboxes, for routing only; the unit of work's next
    // statement sets its own scope again (the data-access layer and scopedTx apply it every time).
    const everyone = within?.tx ? { ...installationMailContext(deps), tx: within.tx, txDatabase: within.txDatabase } : installationMailContext(deps);
    const rows = await listObjects(everyone, 'mailbox', { where: { address, active: true }, limit: 2 });
    if (rows.length > 1) deps.log?.error({ address }, 'mail: an address is configured in two tenants; its mail is refused');
    return rows.length === 1 ? rows[0] : undefined;
  }, within?.tx !== undefined);
}
