import type { Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { Database } from '../../db/database.ts';
import { AppError } from '../../errors.ts';
import type { TenancySettings } from '../settings.ts';
import { createMaintainedGroups, refreshMaintainedGroups } from './groups.ts';
import { requireHost } from './validate-host.ts';
import { dropSilo, provisionSilo } from '../placement/provision-silo.ts';
import { setFence } from '../placement/fences.ts';
import type { Shards } from '../placement/shards.ts';
import { copyTemplate } from './copy-template.ts';

export type CreateTenantInput = {
  slug: string;
  name: string;
  hosts?: string[];
  parentSlug?: string | undefined;
  serviceProvider?: boolean;
  subtenantsAllowed?: boolean;
  branding?: Record<string, unknown>;
  termsOfUse?: string | null;
  /** Give the tenant a database of its own (a silo), optionally on another server. */
  silo?: boolean;
  siloServerUrl?: string;
  /** Start from a copy of this tenant's configuration (copy-template.ts), written in the new tenant's own database. */
  template?: string | undefined;
};

const SLUG = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Creates a tenant with its hosts and maintained groups, enforcing the catalog rules: the first
 * tenant is the service provider and no later one can be; a parent must allow subtenants; depth
 * and tenant count stay within the settings. The catalog rows are written in one transaction; a
 * silo's database is created just before it and dropped again if the tenant is refused.
 */
/** Runs inside the catalog transaction creating a pool tenant, to fill it: all of it or no tenant (an import). */
export type FillTenant = (tx: Transaction<DB>, tenant: { id: number; slug: string }) => Promise<void>;

export async function createTenant(database: Database, settings: TenancySettings, input: CreateTenantInput, shards?: Shards, fill?: FillTenant) {
  if (!SLUG.test(input.slug)) {
    throw new AppError('VALIDATION_FAILED', 'A slug is 1-63 lower-case letters, digits and inner hyphens.', 'slug');
  }
  if (!input.name.trim() || input.name.length > 200) throw new AppError('VALIDATION_FAILED', 'A name is 1-200 characters.', 'name');
  // The same host given twice (perhaps spelt differently: case, port) is one host, not a conflict.
  const hosts = [...new Set((input.hosts ?? []).map(requireHost))];
  if (fill && input.silo) throw new AppError('VALIDATION_FAILED', 'A tenant is filled in the pool; move it to a silo afterwards.', 'silo');
  if (input.silo && !shards) throw new AppError('VALIDATION_FAILED', 'Creating a silo tenant needs the shard map.', 'silo');
  // The silo's database is created first (it cannot be inside the catalog transaction) and
  // dropped from the shard map again if the tenant itself is refused.
  const shardName = input.silo ? await provisionSilo(shards!, { slug: input.slug, serverUrl: input.siloServerUrl }) : 'pool';
  try {
    return await insertTenant(database, settings, input, hosts, shardName, fill, shards);
  } catch (error) {
    if (shardName !== 'pool') await dropSilo(shards!, shardName);
    throw error;
  }
}

async function insertTenant(database: Database, settings: TenancySettings, input: CreateTenantInput, hosts: string[], shardName: string, fill?: FillTenant, shards?: Shards) {
  return database.system.transaction().execute(async (tx) => {
    const { count } = await tx.selectFrom('tenants').select((eb) => eb.fn.countAll<number>().as('count')).executeTakeFirstOrThrow();
    const first = Number(count) === 0;
    if (input.serviceProvider && !first) {
      throw new AppError('TENANT_RULE_VIOLATION', 'There is already a service provider; only the first tenant can be it.', 'serviceProvider');
    }
    if (settings.maxTenants !== undefined && Number(count) >= settings.maxTenants) {
      throw new AppError('TENANT_RULE_VIOLATION', `The maximum number of tenants (${settings.maxTenants}) is reached.`);
    }
    if (await tx.selectFrom('tenants').select('id').where('slug', '=', input.slug).executeTakeFirst()) {
      throw new AppError('CONFLICT', `A tenant with slug "${input.slug}" already exists.`, 'slug');
    }
    let parent: { id: number; depth: number } | undefined;
    if (input.parentSlug) {
      if (first) throw new AppError('TENANT_RULE_VIOLATION', 'The service provider never has a parent.', 'parent');
      const found = await tx.selectFrom('tenants').select(['id', 'depth', 'subtenants_allowed']).where('slug', '=', input.parentSlug).executeTakeFirst();
      if (!found) throw new AppError('NOT_FOUND', `No tenant "${input.parentSlug}" to be the parent.`, 'parent');
      if (!found.subtenants_allowed) {
        throw new AppError('TENANT_RULE_VIOLATION', `Tenant "${input.parentSlug}" does not allow subtenants.`, 'parent');
      }
      if (found.depth + 1 >= settings.maxDepth) {
        throw new AppError('TENANT_RULE_VIOLATION', `The hierarchy may be at most ${settings.maxDepth} levels deep.`, 'parent');
      }
      parent = found;
    }
    await assertHostsFree(tx, hosts);
    const tenant = await tx
      .insertInto('tenants')
      .values({
        slug: input.slug,
        name: input.name.trim(),
        parent_id: parent?.id ?? null,
        depth: parent ? parent.depth + 1 : 0,
        is_service_provider: first,
        subtenants_allowed: input.subtenantsAllowed ?? first,
        branding: JSON.stringify(input.branding ?? {}),
        terms_of_use: input.termsOfUse ?? null,
        shard: shardName,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    if (hosts.length) await tx.insertInto('tenant_hosts').values(hosts.map((host) => ({ host, tenant_id: tenant.id }))).execute();
    await createMaintainedGroups(tx, tenant);
    const ancestors = await ancestorIds(tx, tenant.id);
    await refreshMaintainedGroups(tx, ancestors);
    // Its database takes its writes at its first placement epoch; a silo's is set before the
    // catalog commits, so no write ever reaches it unfenced (a refused tenant's silo is dropped).
    if (shardName === 'pool') await setFence(tx, tenant.id, tenant.placement_epoch);
    else await setFence((await shards!.get(shardName)).system, tenant.id, tenant.placement_epoch);
    if (input.template) await copyTemplateInto(tx, input.template, tenant, shards);
    await fill?.(tx, tenant);
    return tenant;
  });
}

/**
 * Copies the template's configuration in one transaction on the new tenant's database: the
 * catalog's own for a pool tenant, the silo's (inside the catalog's, which drops the silo if it fails).
 */
async function copyTemplateInto(tx: Transaction<DB>, templateSlug: string, tenant: { id: number; shard: string }, shards?: Shards): Promise<void> {
  const template = await tx.selectFrom('tenants').select(['id', 'shard']).where('slug', '=', templateSlug).executeTakeFirst();
  if (!template) throw new AppError('NOT_FOUND', `No tenant "${templateSlug}" to copy the configuration of.`, 'template');
  const database = async (shard: string) => {
    if (shard === 'pool') return tx;
    if (!shards) throw new AppError('VALIDATION_FAILED', 'Copying a silo tenant\'s configuration needs the shard map.', 'template');
    return (await shards.get(shard)).system;
  };
  const source = await database(template.shard);
  if (tenant.shard === 'pool') {
    await copyTemplate(source, tx, template, tenant);
    return;
  }
  await (await database(tenant.shard)).transaction().execute((silo) => copyTemplate(source, silo, template, tenant));
}

export async function assertHostsFree(tx: Parameters<typeof refreshMaintainedGroups>[0], hosts: string[]): Promise<void> {
  if (!hosts.length) return;
  const taken = await tx.selectFrom('tenant_hosts').select('host').where('host', 'in', hosts).executeTakeFirst();
  if (taken) throw new AppError('CONFLICT', `Host "${taken.host}" already belongs to a tenant.`, 'host');
}

/** The tenant and its ancestors, read from the table (inside the writing transaction). */
export async function ancestorIds(tx: Parameters<typeof refreshMaintainedGroups>[0], id: number): Promise<number[]> {
  const out: number[] = [];
  for (let next: number | null = id; next !== null && !out.includes(next); ) {
    out.push(next);
    const row = await tx.selectFrom('tenants').select('parent_id').where('id', '=', next).executeTakeFirst();
    next = row?.parent_id ?? null;
  }
  return out;
}
