import { AppError } from '../errors.ts';
import { deleteAudited, recordAuditInScope } from '../identity/audit.ts';
import { OutboundError, type Outbound } from '../net/guarded-connect.ts';
import type { MailConfig } from '../config/config.ts';
import type { TenancyContext } from '../tenancy/context.ts';
import { createObject, inTransaction, listObjects, type Row } from '../tenancy/data-access.ts';
import { installationMailContext, type MailDeps } from './mail-context.ts';
import { mailboxRoutes } from './mailbox-routes.ts';
import { normalizeAddress } from './message-traits.ts';
import { requireSecretBox, type SecretBox } from './secret-box.ts';
import { domainOf, senderDomainAllowed } from './sender-address.ts';

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

/** The parsed URL of a mail server, or VALIDATION_FAILED naming the field. */
function serverUrl(url: string, protocols: readonly string[], field: string, shape: string): URL {
  let parsed: URL | undefined;
  try {
    parsed = new URL(url);
  } catch {
    parsed = undefined;
  }
  if (!parsed || !protocols.includes(parsed.protocol) || !parsed.hostname) throw new AppError('VALIDATION_FAILED', `The ${field} is ${shape}.`, field);
  return parsed;
}

/**
 * Refuses a mail server the installation does not let tenants reach (loopback, private ranges...:
 * OUTBOUND_ALLOW), resolved as the connector will resolve it. Checked again at every connection,
 * since a name may resolve elsewhere later.
 */
async function assertReachable(outbound: Outbound, url: URL, field: string, what: string): Promise<void> {
  try {
    await outbound.resolve(url.hostname, what);
  } catch (error) {
    if (error instanceof OutboundError) throw new AppError('VALIDATION_FAILED', error.message, field);
    throw error;
  }
}

/** The IMAP columns of a mailbox from its URL; the password is stored encrypted. */
function imapColumns(box: SecretBox | undefined, parsed: URL | undefined): Row {
  if (!parsed) return {};
  if (!parsed.username) throw new AppError('VALIDATION_FAILED', 'The imapUrl is imap://user:password@host:port/FOLDER or imaps://... (with a user).', 'imapUrl');
  const tls = parsed.protocol === 'imaps:';
  return {
    imap_host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    imap_port: parsed.port ? Number(parsed.port) : tls ? 993 : 143,
    imap_tls: tls,
    imap_user: decodeURIComponent(parsed.username),
    imap_password_enc: requireSecretBox(box, 'store IMAP passwords').encrypt(decodeURIComponent(parsed.password)),
    imap_folder: decodeURIComponent(parsed.pathname.replace(/^\//, '')) || 'INBOX',
  };
}

/** What creating a mailbox needs: the secret for credentials, the connector to check hosts, the installation's sender domains. */
export type MailboxDeps = Pick<MailDeps, 'box' | 'outbound'> & { readonly config: Pick<MailConfig, 'senderDomains'> };

/**
 * Adds a support address to a tenant. An address routes to one tenant only: every shard is asked
 * first (the unique index guards each database; the look across shards guards the installation).
 * The IMAP server and relay it names must be reachable under the installation's address policy, and
 * its sender address on a domain the tenant may send from; otherwise nothing is stored.
 */
export async function createMailbox(ctx: TenancyContext, deps: MailboxDeps, input: CreateMailboxInput): Promise<Row> {
  const imap = input.imapUrl ? serverUrl(input.imapUrl, ['imap:', 'imaps:'], 'imapUrl', 'imap://user:password@host:port/FOLDER or imaps://...') : undefined;
  const smtp = input.smtpUrl ? serverUrl(input.smtpUrl, ['smtp:', 'smtps:'], 'smtpUrl', 'smtp://user:password@host:port or smtps://...') : undefined;
  if (imap) await assertReachable(deps.outbound, imap, 'imapUrl', 'IMAP server');
  if (smtp) await assertReachable(deps.outbound, smtp, 'smtpUrl', 'SMTP relay');
  const values: Row = {
    ...(input.tenantId !== undefined ? { tenant_id: input.tenantId } : {}),
    address: address(input.address, 'address'),
    name: input.name ?? '',
    from_address: input.fromAddress ? address(input.fromAddress, 'fromAddress') : null,
    help_topic_id: input.helpTopicId ?? null,
    department_id: input.departmentId ?? null,
    accept_unknown_senders: input.acceptUnknownSenders ?? true,
    auto_reply: input.autoReply ?? true,
    ...imapColumns(deps.box, imap),
    imap_move_to: input.imapMoveTo ?? null,
    smtp_url_enc: input.smtpUrl ? requireSecretBox(deps.box, 'store SMTP relay credentials').encrypt(input.smtpUrl) : null,
  };
  // Tenant boundary exception, existence only: whether any tenant already has the address.
  const everyone = { ...ctx, access: { read: 'all', write: [], writePublic: false } as const, tx: undefined, txDatabase: undefined };
  if ((await listObjects(everyone, 'mailbox', { where: { address: values.address }, limit: 1 })).length) {
    throw new AppError('CONFLICT', `The address ${values.address as string} is already a support address.`, 'address');
  }
  const created = await inTransaction(ctx, async (tx) => {
    const mailbox = await createObject(tx, 'mailbox', values);
    // Tenant boundary: a tenant never takes an address of another tenant's or the installation's domain,
    // nor says it is them (undone with the row).
    const tenant = ctx.catalog.byId.get(mailbox.tenant_id as number);
    const domain = domainOf(mailbox.address as string);
    // A subdomain counts as its parent's: mail for support.northwind.test is the service provider's too.
    const under = (parent: string) => domain === parent || domain.endsWith(`.${parent}`);
    const owner = [...ctx.catalog.byId.values()].find((t) => t.senderDomains?.some(under));
    if ((deps.config.senderDomains.some(under) && !tenant?.isServiceProvider) || (owner && owner.id !== tenant?.id)) {
      throw new AppError('VALIDATION_FAILED', `${domain} belongs to the installation or to another tenant: choose an address of your own domain.`, 'address');
    }
    const from = mailbox.from_address as string | null;
    if (from && !senderDomainAllowed(tenant, domainOf(from), deps.config.senderDomains)) {
      throw new AppError(
        'VALIDATION_FAILED',
        `${domainOf(from)} is not a verified sender domain of this tenant: ask the service provider to verify it, or leave fromAddress out (mail then goes out from the installation's address under the mailbox's name, with Reply-To the support address).`,
        'fromAddress',
      );
    }
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
  const mailbox = await deleteAudited(ctx, 'mailbox', id, 'mailbox.removed', (row) => ({ address: row.address }));
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
