import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import type { Database } from '../db/database.ts';
import { inScope, type DbScope } from '../db/scope.ts';
import { AppError } from '../errors.ts';

/**
 * Idempotency keys of API requests (the `Idempotency-Key` header), per tenant, caller and key. A
 * request reserves its key before it runs and stores its answer when done; the same key and request
 * again get that answer back, never a second execution. Keys are kept at least `RETENTION_MS`.
 */
export const RETENTION_MS = 24 * 3600_000;
/** A reservation with no answer after this long belongs to a request that died: it may be taken over. */
export const ABANDONED_MS = 10 * 60_000;

export type IdempotentRequest = { tenantId: number; callerId: string; key: string; requestHash: string };
export type Reservation = { kind: 'run'; id: string } | { kind: 'replay'; statusCode: number; response: unknown };

// Tenant boundary: these rows are the caller's own bookkeeping, read and written in its own tenant only.
const ownTenant = (tenantId: number): DbScope => ({ read: [tenantId], write: [tenantId], writePublic: false });

type Stored = { id: string; request_hash: string; status_code: number | null; response: unknown; created_at: Date; completed_at: Date | null };

/** Reserves the key for this request, or says how an earlier request with the same key ended. */
export async function reserveIdempotencyKey(database: Database, request: IdempotentRequest, now = new Date()): Promise<Reservation> {
  return inScope(database, ownTenant(request.tenantId), async (tx) => {
    const inserted = await sql<{ id: string }>`insert into idempotency_keys (tenant_id, caller_id, key, request_hash)
      values (${request.tenantId}, ${request.callerId}, ${request.key}, ${request.requestHash})
      on conflict (tenant_id, caller_id, key) do nothing returning id`.execute(tx);
    if (inserted.rows[0]) return { kind: 'run', id: inserted.rows[0].id };
    const stored = (await sql<Stored>`select id, request_hash, status_code, response, created_at, completed_at from idempotency_keys
      where tenant_id = ${request.tenantId} and caller_id = ${request.callerId} and key = ${request.key} for update`.execute(tx)).rows[0]!;
    const age = now.getTime() - stored.created_at.getTime();
    const abandoned = !stored.completed_at && age > ABANDONED_MS;
    if (age > RETENTION_MS || abandoned) {
      await sql`update idempotency_keys set request_hash = ${request.requestHash}, status_code = null, response = null, completed_at = null, created_at = ${now}
        where id = ${stored.id}`.execute(tx);
      return { kind: 'run', id: stored.id };
    }
    if (stored.request_hash !== request.requestHash) {
      throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another request: use a new key for a new request.', 'Idempotency-Key');
    }
    if (!stored.completed_at) throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still being processed: retry shortly.', 'Idempotency-Key');
    return { kind: 'replay', statusCode: stored.status_code!, response: stored.response };
  });
}

/** Stores the answer of the request that reserved the key. */
export async function completeIdempotencyKey(database: Database, tenantId: number, id: string, statusCode: number, response: unknown): Promise<void> {
  await inScope(database, ownTenant(tenantId), (tx) =>
    sql`update idempotency_keys set status_code = ${statusCode}, response = ${JSON.stringify(response)}, completed_at = now() where id = ${id}`.execute(tx),
  );
}

/** Frees the key of a request that failed, so that the same request may be tried again. */
export async function releaseIdempotencyKey(database: Database, tenantId: number, id: string): Promise<void> {
  await inScope(database, ownTenant(tenantId), (tx) => sql`delete from idempotency_keys where id = ${id} and completed_at is null`.execute(tx));
}

/**
 * Deletes keys past retention (the scheduled job `identity.purge-idempotency-keys`); returns how
 * many. `db` is a database's owner connection or a transaction that may write every tenant.
 */
export async function purgeIdempotencyKeys(db: Kysely<DB>, now = new Date()): Promise<number> {
  const result = await sql`delete from idempotency_keys where created_at < ${new Date(now.getTime() - RETENTION_MS)}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
