import { randomBytes } from 'node:crypto';
import type { SecretBox } from './secret-box.ts';

/**
 * The Message-IDs of the mail we send carry a token binding the tenant and the ticket, signed with
 * a key derived from MAIL_SECRET: `<td.3.<ticket uuid hex>.<random>.<mac>@example.com>`. A reply's
 * In-Reply-To/References that carries a valid token names its ticket without any lookup, and no one
 * without the key can make one that names another ticket (or another tenant's).
 */
export type MessageToken = { readonly tenantId: number; readonly ticketId: string };

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
  const payload = `td.${token.tenantId}.${hexOf(token.ticketId)}.${nonce}`;
  return `${payload}.${box.sign(payload).toString('base64url')}@${domain}`;
}

/** The tenant and ticket a Message-ID we sent names, when its token is intact; else undefined. */
export function readMessageToken(box: SecretBox | undefined, messageId: string): MessageToken | undefined {
  if (!box) return undefined;
  const local = messageId.slice(0, messageId.lastIndexOf('@'));
  const parts = local.split('.');
  if (parts.length !== 5 || parts[0] !== 'td') return undefined;
  const [, tenant, ticketHex, nonce, mac] = parts as [string, string, string, string, string];
  if (!/^\d{1,9}$/.test(tenant) || !UUID_HEX.test(ticketHex) || !nonce) return undefined;
  if (!box.verify(`td.${tenant}.${ticketHex}.${nonce}`, Buffer.from(mac, 'base64url'))) return undefined;
  return { tenantId: Number(tenant), ticketId: uuidOf(ticketHex) };
}
