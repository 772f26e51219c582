import { randomUUID } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { objectType, registry, type ObjectType, type ObjectTypeName } from '../../db/registry.ts';
import { readRows, tableShape, upsertRows } from '../placement/tenant-rows.ts';

/*
 * A new tenant may start as a copy of a template tenant's configuration (issue 21, point 8;
 * decision 0131). Copied: what an administrator sets up once and every ticket then reads. Never
 * copied: people (contacts, their roles and departments, teams), tickets and everything of them,
 * mailboxes (addresses and credentials), API keys, sessions, audit events, hosts, sender domains.
 */

/** The types copied, in an order where each row's copied references come before it. */
export const TEMPLATE_TYPES: readonly ObjectTypeName[] = ['department', 'category', 'location', 'slaPlan', 'helpTopic', 'ticketStatus', 'cannedResponse', 'macro', 'mailTemplate', 'role'];

type Row = Record<string, unknown>;
export type TemplateCopy = { readonly counts: Readonly<Record<string, number>> };

/**
 * Reads the template's configuration from its own database and writes it, with new ids and the
 * new tenant's id, into `target`: the new tenant's database, inside the transaction that creates
 * it. A reference to a copied row follows the copy; to a public row, it stays; to anything else
 * (a contact, a team, another tenant's row), it is cleared, since the new tenant may not reach it.
 */
export async function copyTemplate(source: Kysely<DB>, target: Kysely<DB>, template: { id: number }, tenant: { id: number }): Promise<TemplateCopy> {
  const newIds = new Map<string, string>();
  const counts: Record<string, number> = {};
  const read: [ObjectType, Row[]][] = [];
  for (const name of TEMPLATE_TYPES) {
    const type = objectType(name);
    const rows: Row[] = [];
    for await (const batch of readRows(source, await tableShape(source, type), template.id)) rows.push(...batch.map((text) => JSON.parse(text) as Row));
    for (const row of rows) newIds.set(String(row.id), randomUUID());
    read.push([type, rows]);
  }
  const publicIds = await publicRowIds(target);
  for (const [type, rows] of read) {
    const copies = rows.flatMap((row) => copyRow(type, row, { template: template.id, tenant: tenant.id, newIds, publicIds }));
    await upsertRows(target, await tableShape(target, type), copies.map((row) => JSON.stringify(row)), true);
    counts[type.table] = copies.length;
  }
  return { counts };
}

type Mapping = { template: number; tenant: number; newIds: ReadonlyMap<string, string>; publicIds: ReadonlySet<string> };

/** One row as the new tenant's: its id, its tenant, its references; none for a role that names other tenants. */
function copyRow(type: ObjectType, row: Row, map: Mapping): Row[] {
  const copy: Row = { ...row, id: map.newIds.get(String(row.id)), [type.tenantColumn!]: map.tenant, created_at: new Date().toISOString() };
  if ('updated_at' in copy) copy.updated_at = copy.created_at;
  for (const { column, target } of type.references) {
    const value = row[column];
    if (value === null || value === undefined) continue;
    const id = String(value);
    copy[column] = map.newIds.get(id) ?? (registry[target as ObjectTypeName].class === 'public' || map.publicIds.has(id) ? id : null);
  }
  if (type.table === 'roles') return roleOfTenant(copy, map);
  return [copy];
}

/**
 * A role reaches the tenants its access names: one of the contact's own tenant is copied as it is,
 * one naming the template itself now names the new tenant. One reaching all tenants, a group or
 * another tenant is the template's business (a service provider's role, say), and is not copied.
 */
function roleOfTenant(role: Row, map: Mapping): Row[] {
  for (const side of ['read', 'write'] as const) {
    const access = role[`${side}_access`];
    if (access === 'own') continue;
    if (access !== 'tenant' || role[`${side}_tenant_id`] !== map.template) return [];
    role[`${side}_tenant_id`] = map.tenant;
  }
  return [role];
}

/** The ids of the public rows (no tenant) of the copied tenant-optional types, which a copy may keep referring to. */
async function publicRowIds(db: Kysely<DB>): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const name of TEMPLATE_TYPES) {
    const type = objectType(name);
    if (type.class !== 'tenant-optional') continue;
    const result = await sql<{ id: string }>`select id::text as id from ${sql.table(type.table)} where ${sql.ref(type.tenantColumn!)} is null`.execute(db);
    for (const { id } of result.rows) ids.add(id);
  }
  return ids;
}
