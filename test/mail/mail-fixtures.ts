import type { MailConfig } from '../../src/config/config.ts';
import type { Database } from '../../src/db/database.ts';
import type { Role } from '../../src/db/schema.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createMailbox, type CreateMailboxInput } from '../../src/mail/mailboxes.ts';
import type { MailDeps } from '../../src/mail/mail-context.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { parseAddressPolicy } from '../../src/net/address-policy.ts';
import { createOutbound, type Outbound } from '../../src/net/guarded-connect.ts';
import { verifySenderDomain } from '../../src/tenancy/catalog/sender-domains.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import type { Row } from '../../src/tenancy/data-access.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { createTenants } from '../support/tenants.ts';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const TEST_SECRET = 'test-mail-secret-0123456789abcdef0123456789';

/** The receiving MTA the test installations trust (MAIL_TRUSTED_AUTHSERV_IDS). */
export const TRUSTED_AUTHSERV_ID = 'mx.acme.test';

/** The Authentication-Results field that trusted MTA adds for a message whose DMARC passed for `domain`. */
export const trustedDmarcPass = (domain: string): string => `${TRUSTED_AUTHSERV_ID}; spf=pass smtp.mailfrom=${domain}; dkim=pass header.d=${domain}; dmarc=pass (p=reject) header.from=${domain}`;
/**
 * The test mail servers (smtp-server, Dovecot) listen on loopback, which the default policy refuses:
 * the tests that reach them allow loopback explicitly, as an installation would with OUTBOUND_ALLOW.
 */
export const LOOPBACK_ALLOWED: Outbound = createOutbound({ policy: parseAddressPolicy('127.0.0.0/8, ::1') });

export function mailConfig(overrides: Partial<MailConfig> = {}): MailConfig {
  return {
    smtpPort: undefined,
    smtpHost: '127.0.0.1',
    tls: undefined,
    relayUrl: undefined,
    secret: TEST_SECRET,
    defaultFrom: 'helpdesk@localhost',
    senderDomains: ['localhost'],
    maxMessageBytes: 200_000,
    maxAttachmentBytes: 20_000,
    ratePerSenderPerHour: 30,
    trustedAuthservIds: [TRUSTED_AUTHSERV_ID],
    trustedRelays: ['127.0.0.0/8', '::1'],
    agentTokenMaxAgeMs: 30 * 24 * 3600_000,
    ...overrides,
  };
}

export type MailWorld = {
  deps: MailDeps;
  catalog: Catalog;
  t: Record<string, number>;
  mailboxes: Record<string, Row>;
  agents: Record<string, Row>;
  /** An administrator's desk context reading every tenant (for checks). */
  admin: DeskContext;
};

const ADMIN_ROLE = { slug: 'test-admin', permissions: ['admin.*', 'ticket.*'] } as unknown as Role;

/**
 * Tenants sp, acme, globex, with acme.test and globex.test verified as their sender domains; a
 * mailbox each for acme and globex; an agent in acme. Loopback mail servers are allowed.
 */
export async function mailWorld(db: Database, config: Partial<MailConfig> = {}, mailboxes: Record<string, Partial<CreateMailboxInput>> = {}): Promise<MailWorld> {
  const t = await createTenants(db, [
    { slug: 'sp', name: 'SP' },
    { slug: 'acme', name: 'Acme' },
    { slug: 'globex', name: 'Globex' },
  ]);
  const mail = mailConfig(config);
  for (const slug of ['acme', 'globex']) await verifySenderDomain(db, { slug, domain: `${slug}.test`, verifiedBy: 'test', installationDomains: mail.senderDomains });
  const catalog = await Catalog.load(db, 0);
  const shards = new Shards(db);
  const deps: MailDeps = { shards, settings: DEFAULT_TENANCY, catalog: () => catalog.snapshot(), config: mail, box: secretBox(mail.secret!), outbound: LOOPBACK_ALLOWED, dataDir: mkdtempSync(join(tmpdir(), 'td-mail-')) };
  const ctx = systemContext(shards, DEFAULT_TENANCY, await catalog.refresh());
  const spAdmin = await createContact(ctx, { tenantId: t.sp, kind: 'staff', email: 'admin@sp.test', name: 'SP admin', roles: ['sp-admin'] });
  const admin: DeskContext = { ...ctx, actor: { contactId: spAdmin.id as string, kind: 'staff', activeRole: ADMIN_ROLE } };
  const boxes: Record<string, Row> = {
    acme: await createMailbox(ctx, deps, { tenantId: t.acme!, address: 'support@acme.test', name: 'Acme Support', ...mailboxes.acme }),
    globex: await createMailbox(ctx, deps, { tenantId: t.globex!, address: 'help@globex.test', name: 'Globex Help', ...mailboxes.globex }),
  };
  // Agents hold the agent role: an assignee is someone whose role works the tenant's tickets.
  const agents = {
    acme: await createContact(ctx, { tenantId: t.acme, kind: 'agent', email: 'agent@acme.test', name: 'Acme agent', roles: ['agent'] }),
    globex: await createContact(ctx, { tenantId: t.globex, kind: 'agent', email: 'agent@globex.test', name: 'Globex agent', roles: ['agent'] }),
  };
  return { deps, catalog, t, mailboxes: boxes, agents, admin };
}

let counter = 0;

/** A raw RFC 5322 message; headers in order, CRLF line ends. */
export function rawMessage(o: {
  from?: string;
  to?: string;
  cc?: string;
  subject?: string;
  body?: string;
  messageId?: string | null;
  inReplyTo?: string;
  references?: string;
  headers?: Record<string, string>;
  contentType?: string;
}): Buffer {
  const id = o.messageId === undefined ? `<m${++counter}.${process.pid}.${Date.now()}@client.test>` : o.messageId;
  const lines = [
    `From: ${o.from ?? 'Carol Customer <carol@customer.test>'}`,
    `To: ${o.to ?? 'support@acme.test'}`,
    ...(o.cc ? [`Cc: ${o.cc}`] : []),
    `Subject: ${o.subject ?? 'Printer on fire'}`,
    `Date: ${new Date().toUTCString()}`,
    ...(id ? [`Message-ID: ${id}`] : []),
    ...(o.inReplyTo ? [`In-Reply-To: ${o.inReplyTo}`] : []),
    ...(o.references ? [`References: ${o.references}`] : []),
    'MIME-Version: 1.0',
    ...Object.entries(o.headers ?? {}).map(([k, v]) => `${k}: ${v}`),
    `Content-Type: ${o.contentType ?? 'text/plain; charset=utf-8'}`,
    '',
    o.body ?? 'It is on fire.\nPlease help.',
    '',
  ];
  return Buffer.from(lines.join('\r\n'), 'utf8');
}

/** The Message-ID header value of a raw message, without brackets. */
export function messageIdOf(raw: Buffer): string {
  return /^Message-ID: <([^>]+)>/im.exec(raw.toString('utf8'))![1]!;
}

/** Tenant administrators `admin@acme.test` and `admin@globex.test` (DEMO_PASSWORD) on the demo desk. */
export async function addTenantAdmins(desk: { shards: Shards; catalog: Catalog }): Promise<void> {
  const catalog = desk.catalog.snapshot();
  const ctx = systemContext(desk.shards, DEFAULT_TENANCY, catalog);
  for (const tenant of ['acme', 'globex']) {
    await createContact(ctx, { tenantId: catalog.bySlug.get(tenant)!.id, kind: 'agent', email: `admin@${tenant}.test`, name: `${tenant} admin`, password: DEMO_PASSWORD, roles: ['tenant-admin'] });
  }
}
