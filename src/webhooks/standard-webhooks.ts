import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * The Standard Webhooks signature (standardwebhooks.com): `v1,` + base64 HMAC-SHA256 of
 * `id.timestamp.body`, keyed with the base64 part of a `whsec_` secret. Pure, so its tests need no server.
 *
 * @example
 * const secret = newWebhookSecret(); // 'whsec_...'
 * const headers = webhookHeaders(secret, 'msg_1', 1700000000, '{"a":1}');
 */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString('base64')}`;
}

const keyOf = (secret: string): Buffer => Buffer.from(secret.replace(/^whsec_/, ''), 'base64');

export function webhookSignature(secret: string, id: string, timestamp: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

export function webhookHeaders(secret: string, id: string, timestamp: number, body: string): Record<string, string> {
  return { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': webhookSignature(secret, id, timestamp, body), 'content-type': 'application/json' };
}

/** Whether one of the space-separated signatures of a `webhook-signature` header is ours (constant-time); for receivers and tests. */
export function verifyWebhook(secret: string, headers: Record<string, string | undefined>, body: string): boolean {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  if (!id || !Number.isInteger(timestamp)) return false;
  const expected = Buffer.from(webhookSignature(secret, id, timestamp, body));
  return (headers['webhook-signature'] ?? '').split(' ').some((given) => {
    const candidate = Buffer.from(given);
    return candidate.length === expected.length && timingSafeEqual(candidate, expected);
  });
}
