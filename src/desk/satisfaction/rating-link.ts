import { AppError } from '../../errors.ts';
import type { PublicOrigin } from '../../config/config.ts';
import type { SecretBox } from '../../mail/secret-box.ts';

/**
 * The sign-in-free rating link of a resolution mail (decision 0126): a token bound to the tenant,
 * the ticket and the resolution (`resolved_at`), with an expiry, signed with MAIL_SECRET's box:
 * `sr.<tenant>.<ticket hex>.<resolved at, base 36 ms>.<expires, base 36 s>.<mac>`. Its `sr` prefix
 * keeps it apart from the Message-ID tokens signed with the same key (`td`, `ta`). Nothing is
 * stored: the rating itself (one per resolution) is what makes a used link used.
 */
export type RatingClaims = { readonly tenantId: number; readonly ticketId: string; readonly resolvedAt: Date; readonly expiresAt: Date };

export const RATING_LINK_DAYS = 14;

const hexOf = (uuid: string) => uuid.replace(/-/g, '').toLowerCase();
const uuidOf = (hex: string) => `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;

export function ratingToken(box: SecretBox, claims: RatingClaims): string {
  const payload = ['sr', claims.tenantId, hexOf(claims.ticketId), claims.resolvedAt.getTime().toString(36), Math.floor(claims.expiresAt.getTime() / 1000).toString(36)].join('.');
  return `${payload}.${box.sign(payload).toString('base64url')}`;
}

/**
 * The claims of a token presented at `tenantId`'s host. A forged token, or one of another tenant,
 * is NOT_FOUND (it names nothing here); a genuine one past its expiry is RATING_LINK_EXPIRED.
 */
export function readRatingToken(box: SecretBox | undefined, token: string, tenantId: number, now = new Date()): RatingClaims {
  const parts = token.split('.');
  const notFound = new AppError('NOT_FOUND', 'This rating link is not valid here.');
  if (!box || parts.length !== 6 || parts[0] !== 'sr' || !/^[0-9a-f]{32}$/.test(parts[2]!)) throw notFound;
  const payload = parts.slice(0, 5).join('.');
  if (!box.verify(payload, Buffer.from(parts[5]!, 'base64url')) || Number(parts[1]) !== tenantId) throw notFound;
  const claims = { tenantId, ticketId: uuidOf(parts[2]!), resolvedAt: new Date(parseInt(parts[3]!, 36)), expiresAt: new Date(parseInt(parts[4]!, 36) * 1000) };
  if (claims.expiresAt <= now) throw new AppError('RATING_LINK_EXPIRED', 'This rating link has expired: you can still rate the ticket after signing in.');
  return claims;
}

/** The origin of a tenant's public address: its primary host, with the installation's scheme and port (decision 0135). */
export function publicOriginOf(host: string, origin: PublicOrigin = { scheme: 'https', port: undefined }): string {
  const defaultPort = origin.scheme === 'https' ? 443 : 80;
  return `${origin.scheme}://${host}${origin.port && origin.port !== defaultPort ? `:${origin.port}` : ''}`;
}

/**
 * Where the resolution mail sends its requester: the rating page of this resolution, valid
 * RATING_LINK_DAYS from the resolution (so a retried send writes the same link). Without
 * MAIL_SECRET no link can be signed: the ticket's page, where the requester rates once signed in.
 */
export function ratingPageUrl(box: SecretBox | undefined, origin: string, claims: Omit<RatingClaims, 'expiresAt'>): string {
  if (!box) return `${origin}/tickets/${claims.ticketId}`;
  const expiresAt = new Date(claims.resolvedAt.getTime() + RATING_LINK_DAYS * 86_400_000);
  return `${origin}/rate/${ratingToken(box, { ...claims, expiresAt })}`;
}
