import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../errors.ts';
import { completeIdempotencyKey, releaseIdempotencyKey, reserveIdempotencyKey } from '../identity/idempotency-keys.ts';

/** JSON with object keys sorted, so that the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/** What identifies "the same request" for a key: method, route and body (key order aside). */
export function requestHash(method: string, route: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${route}\n${canonical(body)}`).digest('hex');
}

/**
 * Runs a creating request at most once per `Idempotency-Key` (optional header): the same key and
 * request get the stored answer again; the same key with another request is 422; a key whose
 * request is still running is 409. A request that fails frees its key for a retry.
 */
export async function idempotent(request: FastifyRequest, reply: FastifyReply, work: () => Promise<{ status: number; body: unknown }>): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'];
  if (key === undefined) {
    const result = await work();
    return reply.status(result.status).send(result.body);
  }
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', 'Idempotency-Key');
  }
  const { tenantId, contactId } = request.actor;
  const database = request.tenantDbs.tenant;
  const hash = requestHash(request.method, request.routeOptions.url ?? request.url, request.body);
  const reservation = await reserveIdempotencyKey(database, { tenantId, callerId: contactId, key, requestHash: hash });
  if (reservation.kind === 'replay') return reply.status(reservation.statusCode).header('idempotent-replayed', 'true').send(reservation.response);
  let result: { status: number; body: unknown };
  try {
    result = await work();
  } catch (error) {
    await releaseIdempotencyKey(database, tenantId, reservation.id);
    throw error;
  }
  await completeIdempotencyKey(database, tenantId, reservation.id, result.status, result.body);
  return reply.status(result.status).send(result.body);
}
