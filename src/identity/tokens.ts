import { createHash, randomBytes } from 'node:crypto';

/**
 * Secrets handed to people (session cookies, reset links, API keys) are 256 random bits; only their
 * SHA-256 is stored. With that much entropy a fast hash is as safe as a slow password hash.
 */
export const randomToken = (bytes = 32): string => randomBytes(bytes).toString('base64url');

export const digest = (token: string): string => createHash('sha256').update(token).digest('hex');
