import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { DeskContext } from '../desk/desk-context.ts';
import { AppError } from '../errors.ts';
import { idempotencyGuard, IdempotentReplay, type Answer } from '../identity/idempotency-keys.ts';
import type { Row } from '../tenancy/data-access.ts';
import { deskOf, presentRow } from './desk-request.ts';

/** JSON with object keys sorted, so that the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

/**
 * What identifies "the same request" for a key: method, the concrete URL (path and query, not the
 * route pattern: the same key and body sent to another ticket is another request) and body (key
 * order aside).
 */
export function requestHash(method: string, url: string, body: unknown): string {
  return createHash('sha256').update(`${method} ${url}\n${canonical(body)}`).digest('hex');
}

/**
 * Runs a creating request at most once per `Idempotency-Key` (optional header): the same key and
 * request get the stored answer again; the same key with another request is 422; a key whose
 * request is still running is 409. `work` makes its changes in one unit of work with the desk
 * context it is given, which carries the key: the answer commits with the change.
 */
export async function idempotent(request: FastifyRequest, reply: FastifyReply, status: number, work: (desk: DeskContext) => Promise<Row>): Promise<FastifyReply> {
  const key = request.headers['idempotency-key'];
  if (key === undefined) return reply.status(status).send(presentRow(request, await work(deskOf(request))));
  if (typeof key !== 'string' || !/^[\x21-\x7e]{1,255}$/.test(key)) {
    throw new AppError('VALIDATION_FAILED', 'Idempotency-Key must be 1 to 255 visible ASCII characters.', 'Idempotency-Key');
  }
  let stored: Answer | undefined;
  const guard = idempotencyGuard(
    { callerId: request.actor.contactId, key, requestHash: requestHash(request.method, request.url, request.body) },
    (row) => (stored = { statusCode: status, body: presentRow(request, row as Row) }),
  );
  try {
    const row = await work({ ...deskOf(request), guard });
    return reply.status(status).send(stored?.body ?? presentRow(request, row));
  } catch (error) {
    if (!(error instanceof IdempotentReplay)) throw error;
    return reply.status(error.answer.statusCode).header('idempotent-replayed', 'true').send(error.answer.body);
  }
}
