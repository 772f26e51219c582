import { sql, type Kysely } from 'kysely';
import type { DB } from '../db/schema.ts';
import { applyScope, type DbScope, type ScopedTx } from '../db/scope.ts';
import { AppError } from '../errors.ts';
import type { TenancyContext, UnitOfWorkGuard } from '../tenancy/context.ts';

/**
 * Idempotency keys of API requests (the `Idempotency-Key` header), per tenant, caller and key. The
 * key is checked at the start of the request's unit of work and its answer stored at the end of
 * it, in the same transaction as the change: a request that dies before its commit leaves neither
 * change nor key (a retry runs it afresh), one that committed leaves both (a retry gets the stored
 * answer). Keys are kept at least `RETENTION_MS`.
 */
export const RETENTION_MS = 24 * 3600_000;

export type IdempotentRequest = { callerId: string; key: string; requestHash: string };
export type Answer = { statusCode: number; body: unknown };

/** Thrown out of the unit of work when the key already holds an answer: nothing was written. */
export class IdempotentReplay extends Error {
  constructor(readonly answer: Answer) {
    super('This request was already answered.');
  }
}

// Tenant boundary: these rows are the caller's bookkeeping in the tenant its unit of work writes to.
const ownTenant = (tenantId: number): DbScope => ({ read: [tenantId], write: [tenantId], writePublic: false });

/** The transaction-scoped advisory lock that makes a second request with the key wait its turn (409). */
export function idempotencyLock(tenantId: number, callerId: string, key: string) {
  return sql`hashtextextended(${`${tenantId}:${callerId}:${key}`}, 0)`;
}

async function storedAnswer(tx: ScopedTx, tenantId: number, request: IdempotentRequest): Promise<(Answer & { requestHash: string }) | undefined> {
  const locked = await sql<{ locked: boolean }>`select pg_try_advisory_xact_lock(${idempotencyLock(tenantId, request.callerId, request.key)}) as locked`.execute(tx);
  if (!locked.rows[0]!.locked) throw new AppError('CONFLICT', 'A request with this Idempotency-Key is still being processed: retry shortly.', 'Idempotency-Key');
  const stored = await sql<{ request_hash: string; status_code: number; response: unknown }>`select request_hash, status_code, response from idempotency_keys
    where tenant_id = ${tenantId} and caller_id = ${request.callerId} and key = ${request.key}
      and completed_at is not null and created_at > now() - make_interval(secs => ${RETENTION_MS / 1000})`.execute(tx);
  const row = stored.rows[0];
  return row && { requestHash: row.request_hash, statusCode: row.status_code, body: row.response };
}

/**
 * The guard that makes one request's unit of work idempotent: `answer` turns the use case's
 * result into the answer that is stored with it and sent.
 */
export function idempotencyGuard(request: IdempotentRequest, answer: (result: unknown) => Answer): UnitOfWorkGuard {
  let entered = false;
  const tenantOf = (tenantId: number | null): number => {
    if (tenantId === null) throw new Error('An idempotent request writes to a tenant.');
    return tenantId;
  };
  return {
    async enter(ctx: TenancyContext, tenantId: number | null) {
      if (entered) throw new Error('An idempotent request makes its changes in one unit of work.');
      entered = true;
      const tx = ctx.tx!;
      await applyScope(tx, ownTenant(tenantOf(tenantId)));
      const stored = await storedAnswer(tx, tenantOf(tenantId), request);
      if (!stored) return;
      if (stored.requestHash !== request.requestHash) {
        throw new AppError('IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was already used for another request: use a new key for a new request.', 'Idempotency-Key');
      }
      throw new IdempotentReplay(stored);
    },
    async leave(ctx: TenancyContext, tenantId: number | null, result: unknown) {
      const tx = ctx.tx!;
      const { statusCode, body } = answer(result);
      await applyScope(tx, ownTenant(tenantOf(tenantId)));
      // A row past retention may still be there: the purge job runs hourly.
      await sql`insert into idempotency_keys (tenant_id, caller_id, key, request_hash, status_code, response, created_at, completed_at)
        values (${tenantId}, ${request.callerId}, ${request.key}, ${request.requestHash}, ${statusCode}, ${JSON.stringify(body)}, now(), now())
        on conflict (tenant_id, caller_id, key) do update set request_hash = excluded.request_hash, status_code = excluded.status_code,
          response = excluded.response, created_at = excluded.created_at, completed_at = excluded.completed_at`.execute(tx);
    },
  };
}

/**
 * Deletes keys past retention (the scheduled job `identity.purge-idempotency-keys`); returns how
 * many. `db` is a database's owner connection or a transaction that may write every tenant.
 */
export async function purgeIdempotencyKeys(db: Kysely<DB>, now = new Date()): Promise<number> {
  const result = await sql`delete from idempotency_keys where created_at < ${new Date(now.getTime() - RETENTION_MS)}`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
