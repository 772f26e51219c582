import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors.ts';

/**
 * What MAIL_SECRET protects: mailbox credentials at rest (AES-256-GCM) and the tokens in our
 * Message-IDs (HMAC-SHA-256). Each use gets its own key, derived with HKDF, so a leak of one use
 * (a token forged by brute force, say) says nothing about the other.
 *
 * @example
 * const box = secretBox(config.mail.secret);
 * const stored = box.encrypt('imap password'); // 'v1.<iv>.<tag>.<ciphertext>'
 * box.decrypt(stored); // 'imap password'
 */
export type SecretBox = {
  encrypt(plain: string): string;
  decrypt(stored: string): string;
  /** A 16-byte MAC of `data`. */
  sign(data: string): Buffer;
  /** Whether `mac` is the MAC of `data` (compared in constant time). */
  verify(data: string, mac: Buffer): boolean;
};

const MAC_BYTES = 16;
const subKey = (secret: string, use: string): Buffer => Buffer.from(hkdfSync('sha256', secret, 'tenantdesk-mail', use, 32));

export function secretBox(secret: string): SecretBox {
  const encryptionKey = subKey(secret, 'credentials');
  const signingKey = subKey(secret, 'message-token');
  const sign = (data: string) => createHmac('sha256', signingKey).update(data).digest().subarray(0, MAC_BYTES);
  return {
    encrypt(plain) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    decrypt(stored) {
      const [version, iv, tag, body] = stored.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Not an encrypted mail credential.');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      // A changed MAIL_SECRET (or a tampered value) fails the tag check here.
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
    sign,
    verify(data, mac) {
      return mac.length === MAC_BYTES && timingSafeEqual(sign(data), mac);
    },
  };
}

/** The box of MAIL_SECRET, or a clear error naming the setting when it is not configured. */
export function requireSecretBox(box: SecretBox | undefined, purpose: string): SecretBox {
  if (!box) throw new AppError('VALIDATION_FAILED', `Set MAIL_SECRET (at least 32 characters) to ${purpose}.`);
  return box;
}
