import { randomBytes } from 'node:crypto';
import type { SecretBox } from './secret-box.ts';

/**
 * The Message-IDs of the mail we send carry a token binding the tenant and the ticket, signed with
 * a key derived from MAIL_SECRET: `<td.3.<ticket uuid hex>.<random>.<mac>@example.com>`. A reply's
 * In-Reply-To/References that carries a valid token names its ticket without any lookup, and no one
 * without the key can make one that names another ticket (or another tenant's).
 *
 * Mail to one of the ticket's agents carries an agent token instead, which also binds that agent
 * and when the mail was written: `<ta.3.<ticket hex>.<agent hex>.<issued, base 36 s>.<random>.<mac>@...>`.
 * Quoted in a reply from that agent's address, it lets the mail act as the agent on that ticket
 * (reply-authentication.ts) for as long as MAIL_AGENT_TOKEN_DAYS allows. Its own prefix keeps the
 * two kinds of signed text apart: one cannot be read as the other.
 */
export type MessageToken = {
  readonly tenantId: number;
  readonly ticketId: string;
  /** The agent the mail was sent to, and when (Unix seconds): an agent token. */
  readonly agent?: { readonly contactId: string; readonly issuedAt: number };
};

const UUID_HEX = /^[0-9a-f]{32}$/;

const hexOf = (uuid: string) => uuid.replace(/-/g, '').toLowerCase();
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

/**
 * A Message-ID (without angle brackets) for mail about `token.ticketId`, at `domain`. `nonce` makes
 * it unique (an outbox row's id, so a retried send keeps its id); random when not given.
 */
export function signedMessageId(box: SecretBox | undefined, token: MessageToken | undefined, domain: string, nonce = randomBytes(12).toString('hex')): string {
  if (!/^[a-z0-9]{1,64}$/i.test(nonce)) throw new Error('A Message-ID nonce is letters and digits.');
  if (!box || !token) return `td.${nonce}@${domain}`;
  const payload = token.agent
    ? `ta.${token.tenantId}.${hexOf(token.ticketId)}.${hexOf(token.agent.contactId)}.${Math.floor(token.agent.issuedAt).toString(36)}.${nonce}`
    : `td.${token.tenantId}.${hexOf(token.ticketId)}.${nonce}`;
  return `${payload}.${box.sign(payload).toString('base64url')}@${domain}`;
}

/** The tenant and ticket (and, for an agent token, the agent) a Message-ID we sent names, when its token is intact; else undefined. */
export function readMessageToken(box: SecretBox | undefined, messageId: string): MessageToken | undefined {
  if (!box) return undefined;
  const local = messageId.slice(0, messageId.lastIndexOf('@'));
  const parts = local.split('.');
  const macText = parts.at(-1) ?? '';
  const mac = Buffer.from(macText, 'base64url');
  const [kind, tenant, ticketHex] = parts as [string, string, string];
  // One spelling per MAC: base64url's unused low bits would otherwise give each token several.
  if (mac.toString('base64url') !== macText) return undefined;
  if (!/^\d{1,9}$/.test(tenant ?? '') || !UUID_HEX.test(ticketHex ?? '')) return undefined;
  if (parts.length === 5 && kind === 'td') {
    if (!parts[3] || !box.verify(parts.slice(0, 4).join('.'), mac)) return undefined;
    return { tenantId: Number(tenant), ticketId: uuidOf(ticketHex) };
  }
  if (parts.length === 7 && kind === 'ta') {
    const [, , , agentHex, issued, nonce] = parts as [string, string, string, string, string, string];
    if (!UUID_HEX.test(agentHex) || !/^[0-9a-z]{1,10}$/.test(issued) || !nonce || !box.verify(parts.slice(0, 6).join('.'), mac)) return undefined;
    return { tenantId: Number(tenant), ticketId: uuidOf(ticketHex), agent: { contactId: uuidOf(agentHex), issuedAt: parseInt(issued, 36) } };
  }
  return undefined;
}

/**
 * Whether a Message-ID has the shape of an agent token (signature not checked). Such ids are kept
 * out of the threading headers of mail to anyone else: whoever holds one can write as that agent.
 */
export const isAgentTokenId = (messageId: string): boolean => messageId.startsWith('ta.');
