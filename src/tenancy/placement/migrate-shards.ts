import type { Logger } from '../../config/logger.ts';
import { migrate } from '../../db/migrate.ts';
import type { Shards } from './shards.ts';

export type ShardMigration = { shard: string; applied: string[]; error?: string };

/**
 * Applies pending migrations to every silo in the shard map (the pool is migrated first, at
 * start-up). A shard that fails is reported and the others go on: one broken silo must not keep
 * every other tenant on an old schema.
 */
export async function migrateSilos(shards: Shards, log?: Pick<Logger, 'error' | 'info'>): Promise<ShardMigration[]> {
  const silos = await shards.pool.system.selectFrom('shards').select('name').where('kind', '=', 'silo').orderBy('name').execute();
  const results: ShardMigration[] = [];
  for (const { name } of silos) {
    try {
      const applied = await shards.withOwner(name, migrate);
      results.push({ shard: name, applied });
      if (applied.length) log?.info({ shard: name, applied }, 'silo migrated');
    } catch (error) {
      const message = (error as Error).message;
      results.push({ shard: name, applied: [], error: message });
      log?.error({ shard: name, err: message }, 'a silo failed to migrate; the others went on');
    }
  }
  return results;
}
