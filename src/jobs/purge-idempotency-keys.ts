import { z } from 'zod';
import { purgeIdempotencyKeys } from '../identity/idempotency-keys.ts';
import { defineJob, handleJob } from './job-type.ts';

export const purgeExpiredIdempotencyKeys = defineJob({ name: 'identity.purge-idempotency-keys', payload: z.object({}) });

/**
 * An installation job on the pool. Keys live in the caller's tenant database, so each silo of the
 * catalog is purged too, through its own owner connection (the pool's through the job's transaction:
 * an embedded database has one connection, which the transaction holds).
 */
export const purgeExpiredIdempotencyKeysHandler = handleJob(purgeExpiredIdempotencyKeys, async (ctx) => {
  await purgeIdempotencyKeys(ctx.tx!);
  const silos = new Set([...ctx.catalog.byId.values()].map((t) => t.shard).filter((shard) => shard !== 'pool'));
  for (const silo of silos) await purgeIdempotencyKeys((await ctx.shards.get(silo)).system);
});
