import { randomUUID } from 'node:crypto';
import { sql, type RawBuilder } from 'kysely';
import { FENCE_REFUSED, mapDatabaseError } from '../db/errors.ts';
import { orderedId } from '../db/ordered-id.ts';
import { objectType, type ObjectType, type ObjectTypeName, type Reference } from '../db/registry.ts';
import type { Database } from '../db/database.ts';
import { applyScope, inScope, noteSettingsWritten, type DbScope, type Fence, type ScopedTx, type TenantSet } from '../db/scope.ts';
import { AppError } from '../errors.ts';
import { inSet, readScope, writeScope } from './access.ts';
import type { TenancyContext } from './context.ts';
import { partitionFilter } from './data-partitions.ts';
import { fenceFor } from './placement/fences.ts';
import { assertWritesOpen, compareRows, readTargets, scatter, writeTarget, type Target } from './placement/route.ts';
import { keepSettings, keptSettings } from './settings-cache.ts';
import { fillNumberSlots, formatNumber, hasNumberSlot, insertStatement, type Numbering } from './insert-statement.ts';

/**
 * The scoped data-access layer. Every read is limited to the active role's readable tenants (plus
 * public rows of tenant-optional types); every write applies DESIGN.md's four write rules. Row-level
 * security enforces the same sets underneath, from the same transaction settings.
 */
export type Row = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The application-layer tenant filter for reads of `type` by a role reading `set`; without
 * `publicRows` (a silo), rows with no tenant are left out: public data is read from the pool.
 */
export function tenantFilter(type: ObjectType, set: TenantSet, publicRows = true): RawBuilder<boolean> {
  if (type.class === 'public') return sql<boolean>`true`;
  const column = sql.ref(type.tenantColumn!);
  if (set === 'all') return publicRows ? sql<boolean>`true` : sql<boolean>`${column} is not null`;
  // One tenant as a plain equality: the planner knows it selects one tenant, where an array of
  // unknown length (a prepared statement's generic plan) looked like ten and priced index scans out.
  const own = set.length === 1 ? sql<boolean>`${column} = ${set[0]!}` : sql<boolean>`${column} = any (${sql.val([...set])}::integer[])`;
  return type.class === 'tenant-optional' && publicRows ? sql<boolean>`(${column} is null or ${own})` : own;
}

/**
 * `tenantFilter` for one target. An `all` read of the pool leaves out the rows of tenants being
 * moved into it: until the move switches the shard map, those rows are partial copies.
 */
function targetFilter(type: ObjectType, target: Pick<Target, 'tenants' | 'publicRows' | 'exclude'>): RawBuilder<boolean> {
  const filter = tenantFilter(type, target.tenants, target.publicRows);
  if (!target.exclude?.length || type.class === 'public') return filter;
  const column = sql.ref(type.tenantColumn!);
  return sql<boolean>`${filter} and (${column} is null or not (${column} = any (${sql.val(target.exclude)}::integer[])))`;
}

function whereEquals(where: Row): RawBuilder<boolean> {
  const parts = Object.entries(where).map(([column, value]) =>
    value === null ? sql`${sql.ref(column)} is null` : sql`${sql.ref(column)} = ${value}`,
  );
  return parts.length ? sql<boolean>`${sql.join(parts, sql` and `)}` : sql<boolean>`true`;
}

async function guarded<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw mapDatabaseError(error) ?? error;
  }
}

/** Notes rows the database returned to this request (see `TenancyContext.known`). */
function remember(ctx: TenancyContext, type: ObjectType, rows: readonly Row[]): void {
  if (!ctx.known) return;
  for (const row of rows) ctx.known.set(`${type.name}:${row.id as string}`, type.tenantColumn ? ((row[type.tenantColumn] as number | null) ?? null) : null);
}

/**
 * A row of `type` with this id that this request already saw, if its tenant is in `allowed` (or
 * it is public): the answer a lookup under exactly `allowed` would give, without the lookup.
 */
function knownRow(ctx: TenancyContext, type: ObjectType, id: unknown, allowed: TenantSet): { tenantId: number | null } | undefined {
  const tenantId = ctx.known?.get(`${type.name}:${String(id)}`);
  if (tenantId === undefined) return undefined;
  if (tenantId === null) return type.class === 'tenant-required' ? undefined : { tenantId };
  return inSet(allowed, tenantId) ? { tenantId } : undefined;
}

/**
 * Runs `work` under `scope` on `database`: inside the context's open transaction when it is on
 * that database; a read elsewhere runs in its own transaction. A write must not leave the unit of
 * work's database (a transaction cannot span two), and carries the `fence` of the tenant it writes.
 */
async function scoped<T>(ctx: TenancyContext, database: Database, scope: DbScope, work: (tx: ScopedTx) => Promise<T>, writes: { fence: Fence | undefined } | false = false): Promise<T> {
  const fence = writes ? writes.fence : undefined;
  if (ctx.tx && ctx.txDatabase === database) {
    await applyScope(ctx.tx, scope, { readOnly: !writes, fence });
    return work(ctx.tx);
  }
  if (ctx.tx && writes) throw new Error('A unit of work writes to one database only: this write belongs to another shard.');
  return inScope(database, scope, work, fence);
}

/**
 * A unit of work: every write made with the context passed to `work` joins one transaction, so a
 * use case that writes several objects writes all of them or none. It lives in the database of
 * `tenantId` (the pool when none): the tenant the use case writes to.
 */
export async function inTransaction<C extends TenancyContext, T>(ctx: C, work: (ctx: C) => Promise<T>, tenantId?: number | null): Promise<T> {
  if (ctx.tx) return work(ctx);
  const { database, fence } = await writeTarget(ctx, tenantId);
  // Rows the unit of work sees become known to the request once it commits: a rolled-back row does not exist.
  const known = ctx.known && new Map(ctx.known);
  const result = await database.app.transaction().execute(async (tx) => {
    // The guard belongs to this unit of work alone; later ones of the same use case run without it.
    const inner: C = { ...ctx, tx, txDatabase: database, guard: undefined, known };
    // Its reads and writes share one scope, set once: the role's write scope also reads its tenants.
    // Its tenant's fence goes with the scope: the unit of work commits only against the map it was routed by.
    await applyScope(tx, writeScope(ctx.access, untenantedAllowed(ctx)), { fence });
    await ctx.guard?.enter(inner, tenantId ?? null);
    const done = await work(inner);
    await ctx.guard?.leave(inner, tenantId ?? null, done);
    return done;
  }).catch((error: unknown) => {
    // A fence that refused the unit of work is the caller's retryable TENANT_MOVING, not a database fault.
    throw (error as { code?: unknown })?.code === FENCE_REFUSED ? mapDatabaseError(error) : error;
  });
  if (known) for (const [key, tenant] of known) ctx.known!.set(key, tenant);
  return result;
}

export type ListOptions = {
  where?: Row;
  orderBy?: string;
  descending?: boolean;
  limit?: number;
  /** Keyset pagination: the page after this row (its order value and id), stable under inserts. */
  after?: { value: unknown; id: string };
  /** Full-text search: see `SearchOption`. */
  search?: SearchOption;
  /** A further condition on the type's own columns: a domain one (a ticket is overdue), never a tenant one. */
  filter?: RawBuilder<boolean>;
  /**
   * Order by the expression `by` instead of the `orderBy` column (a plain column keeps its index),
   * and select `key` into each row under the name `orderBy`: the value `after` and the shards' merge
   * compare, exact and ordered alike in JavaScript (a Date would drop a timestamp's microseconds).
   */
  orderValue?: { by: RawBuilder<unknown>; key: RawBuilder<unknown> };
};

/**
 * Rows whose `search` column (a generated tsvector, 'simple' configuration) matches `text`, read
 * as a web search query (words, "phrases", -exclusions; never a syntax error), or that own a
 * matching row of `through`: a type whose `column` is a same-tenant reference to the listed one (a
 * ticket's thread entries). A related row counts only if the role could read it: the same tenant
 * filter and data partitions apply to it, and `except` leaves out more (a customer's notes).
 */
export type SearchOption = { text: string; through?: { type: ObjectTypeName; column: string; except?: Row } };

function matchesSearch(ctx: TenancyContext, type: ObjectType, target: Target, search: SearchOption | undefined): RawBuilder<boolean> {
  if (!search) return sql<boolean>`true`;
  const query = sql`websearch_to_tsquery('simple', ${search.text})`;
  const own = sql<boolean>`${sql.ref(`${type.table}.search`)} @@ ${query}`;
  if (!search.through) return own;
  const related = objectType(search.through.type);
  const owner = related.references.find((r) => r.column === search.through!.column && r.target === type.name && r.sameTenant);
  // Only an owned part lives in the same database as its owner, so one query can look at both.
  if (!owner) throw new Error(`${related.name}.${search.through.column} is not a same-tenant reference to ${type.name}.`);
  const except = search.through.except && Object.keys(search.through.except).length ? sql<boolean>`not (${whereEquals(search.through.except)})` : sql<boolean>`true`;
  // Tenant boundary: related rows are filtered by the same target and partitions as any read of them.
  return sql<boolean>`(${own} or ${sql.ref(`${type.table}.id`)} in (select ${sql.ref(owner.column)} from ${sql.table(related.table)}
    where ${visible(ctx, related, target, {})} and ${except} and ${sql.ref(`${related.table}.search`)} @@ ${query}))`;
}

/** Rows strictly after the cursor in (orderBy, id) order; PostgreSQL's null placement included. */
function afterCursor(column: RawBuilder<unknown>, descending: boolean, after: ListOptions['after']): RawBuilder<boolean> {
  if (!after) return sql<boolean>`true`;
  const laterId = sql<boolean>`id > ${after.id}`;
  if (after.value === null || after.value === undefined) {
    // Nulls come last ascending, first descending.
    return descending ? sql<boolean>`(${column} is not null or (${column} is null and ${laterId}))` : sql<boolean>`(${column} is null and ${laterId})`;
  }
  const beyond = descending ? sql<boolean>`${column} < ${after.value}` : sql<boolean>`${column} > ${after.value}`;
  const nulls = descending ? sql<boolean>`false` : sql<boolean>`${column} is null`;
  return sql<boolean>`(${beyond} or (${column} = ${after.value} and ${laterId}) or ${nulls})`;
}

/** The rows of `type` one target may show the active role: its tenants, its partitions, `where`. */
function visible(ctx: TenancyContext, type: ObjectType, target: Target, where: Row): RawBuilder<boolean> {
  return sql<boolean>`${targetFilter(type, target)} and ${partitionFilter(type, ctx.access.partitions ?? [])}
    and ${whereEquals(where)}`;
}

/**
 * A page of objects of the readable tenants, ordered by `orderBy` then id. Across shards each
 * database returns its first `limit` rows and the merge keeps the first `limit` of them all: the
 * same rows, in the same order, as one table would give.
 */
export async function listObjects(ctx: TenancyContext, name: ObjectTypeName, options: ListOptions = {}): Promise<Row[]> {
  const type = objectType(name);
  const orderBy = options.orderBy ?? 'id';
  const limit = options.limit ?? 100;
  const targets = await readTargets(ctx, type, ctx.access.read);
  const order = options.orderValue?.by ?? sql.ref(orderBy);
  const ordered = sql`order by ${order} ${options.descending ? sql`desc` : sql`asc`}, id`;
  const settingsRead = settingsReadKey(ctx, type, options);
  const pages = await scatter(targets, (target) =>
    scoped(ctx, target.database, readScope({ ...ctx.access, read: target.tenants }), async (tx) => {
      const key = settingsRead?.(target);
      const kept = key === undefined ? undefined : keptSettings(tx, target.database, key);
      if (kept) return kept;
      const page = sql<Row>`select * from ${sql.table(type.table)}
        where ${visible(ctx, type, target, options.where ?? {})} and ${matchesSearch(ctx, type, target, options.search)}
          and ${options.filter ?? sql<boolean>`true`} and ${afterCursor(order, options.descending ?? false, options.after)}
        ${ordered} limit ${limit}`;
      // The sort key of the page's rows only: computed for every candidate row it tripled a top-N sort.
      const query = options.orderValue ? sql<Row>`select *, ${options.orderValue.key} as ${sql.ref(orderBy)} from (${page}) as page ${ordered}` : page;
      const { rows } = await query.execute(tx);
      if (key !== undefined) keepSettings(tx, target.database, key, rows);
      return rows;
    }),
  );
  const rows = pages.length === 1 ? pages[0]! : pages.flat().sort(compareRows(orderBy, options.descending ?? false)).slice(0, limit);
  remember(ctx, type, rows);
  return rows;
}

/**
 * The settings cache's key for a plain read of a settings type (settings-cache.ts), per target:
 * every input of the query, the tenant filter included. Undefined for other reads, and when the
 * active role's data partitions apply to the type (they depend on who asks).
 */
function settingsReadKey(ctx: TenancyContext, type: ObjectType, options: ListOptions): ((target: Target) => string) | undefined {
  if (!type.settings || options.search || options.filter || options.after || options.orderValue) return undefined;
  if (partitioned(ctx, type)) return undefined;
  const read = JSON.stringify([options.where ?? {}, options.orderBy ?? 'id', options.descending ?? false, options.limit ?? 100]);
  return (target) => `${type.name} ${JSON.stringify([target.tenants, target.publicRows ?? true, target.exclude ?? []])} ${read}`;
}

export async function countObjects(ctx: TenancyContext, name: ObjectTypeName, where: Row = {}): Promise<number> {
  const type = objectType(name);
  const targets = await readTargets(ctx, type, ctx.access.read);
  const counts = await scatter(targets, (target) =>
    scoped(ctx, target.database, readScope({ ...ctx.access, read: target.tenants }), async (tx) => {
      const result = await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(type.table)}
        where ${visible(ctx, type, target, where)}`.execute(tx);
      return result.rows[0]!.n;
    }),
  );
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * An aggregate (counts, sums, percentiles) over the rows of `type` the active role may read: `query`
 * runs once per shard holding some of them, under the role's read scope, and gets `rows`, the
 * condition that limits a query to those rows (tenants, data partitions, `where`). `rows` names the
 * columns of `type`'s table unqualified: select from that table alone, e.g. in a CTE
 * (`with t as (select ... from tickets where ${rows}) ...`). Returns one answer per shard, for the
 * caller to merge: sums add up; a median does not (gather mergeable parts, e.g. histograms, when
 * `scatter.shards` says there are several).
 */
export async function aggregateObjects<T>(
  ctx: TenancyContext,
  name: ObjectTypeName,
  query: (tx: ScopedTx, rows: RawBuilder<boolean>, scatter: { shards: number }) => Promise<T>,
  where: Row = {},
): Promise<T[]> {
  const type = objectType(name);
  const targets = await readTargets(ctx, type, ctx.access.read);
  return scatter(targets, (target) =>
    scoped(ctx, target.database, readScope({ ...ctx.access, read: target.tenants }), (tx) => query(tx, visible(ctx, type, target, where), { shards: targets.length })),
  );
}

type TargetRows = Pick<Target, 'tenants' | 'publicRows' | 'exclude'>;

async function selectById(tx: ScopedTx, type: ObjectType, target: TargetRows, id: unknown, ctx?: TenancyContext): Promise<Row | undefined> {
  if (typeof id !== 'string' || !UUID.test(id)) return undefined;
  // With a context, the active role's data partitions apply too (reference checks pass none).
  const partition = partitionFilter(type, ctx?.access.partitions ?? []);
  const result = await sql<Row>`select * from ${sql.table(type.table)}
    where id = ${id} and ${targetFilter(type, target)} and ${partition}`.execute(tx);
  return result.rows[0];
}

/**
 * Finds one object by id among the tenants of `set`, on whichever shard holds it, reading with
 * exactly that set. `partitioned` also applies the active role's data partitions.
 */
async function locate(ctx: TenancyContext, type: ObjectType, set: TenantSet, id: unknown, partitioned: boolean): Promise<{ row: Row; database: Database } | undefined> {
  if (typeof id !== 'string' || !UUID.test(id)) return undefined;
  for (const target of await readTargets(ctx, type, set)) {
    const row = await scoped(ctx, target.database, { read: target.tenants, write: [], writePublic: false }, (tx) =>
      selectById(tx, type, target, id, partitioned ? ctx : undefined),
    );
    if (row) {
      remember(ctx, type, [row]);
      return { row, database: target.database };
    }
  }
  return undefined;
}

/** Whether the active role's data partitions constrain rows of `type`. */
const partitioned = (ctx: TenancyContext, type: ObjectType): boolean => ctx.access.partitions?.some((p) => p.type === type.name) ?? false;

/** A written row must still lie inside the role's data partitions, or the write is undone. */
async function assertInPartition(ctx: TenancyContext, tx: ScopedTx, type: ObjectType, id: unknown): Promise<void> {
  if (!partitioned(ctx, type)) return;
  if (!(await selectById(tx, type, { tenants: 'all', publicRows: true }, id, ctx))) {
    throw new AppError('DATA_PARTITION_DENIED', `This ${type.name} would fall outside the data partition of your active role.`);
  }
}

/** One object by id; NOT_FOUND when it does not exist or lies outside the readable tenants. */
export async function findObject(ctx: TenancyContext, name: ObjectTypeName, id: string): Promise<Row> {
  const type = objectType(name);
  const found = await locate(ctx, type, ctx.access.read, id, true);
  if (!found) throw new AppError('NOT_FOUND', `This ${type.name} was not found.`);
  return found.row;
}

/** A row written with another one, in its statement (`createObject`'s `with`). */
export type Companion = { readonly name: ObjectTypeName; readonly values: Row };

/**
 * Creates one object; `with` writes more rows alongside it, in the same statement (its audit event,
 * rows it owns that refer to it by id, the job that sends it): each is checked as an object of its
 * own would be, and all are written or none. `numbered` takes the next number of the object's tenant
 * in the same statement and puts it in the rows' `NumberSlot`s (insert-statement.ts). Returns the
 * object's row; a companion's id, when the caller needs it, is the caller's to give.
 */
export async function createObject(ctx: TenancyContext, name: ObjectTypeName, input: Row, options: { with?: readonly Companion[]; numbered?: Numbering } = {}): Promise<Row> {
  const type = objectType(name);
  const companions = options.with ?? [];
  const { numbered } = options;
  if (numbered) assertWritable(ctx, objectType('tenantCounter'), numbered.tenantId);
  if (companions.length && [type, ...companions.map((c) => objectType(c.name))].some((t) => partitioned(ctx, t))) {
    // Each written row must be read back against the partitions: one statement each, in one unit of work.
    return inTransaction(ctx, async (tx) => {
      const number = numbered && formatNumber(numbered, await nextCounterValue(tx, numbered.tenantId, numbered.counter));
      const fill = (values: Row) => (number ? fillNumberSlots(values, number) : values);
      const row = await createObject(tx, name, fill(input));
      for (const companion of companions) await createObject(tx, companion.name, fill(companion.values));
      return row;
    }, await tenantOfNew(ctx, name, input));
  }
  if (!numbered && [input, ...companions.map((c) => c.values)].some(hasNumberSlot)) throw new Error('A number slot needs a numbered insert.');
  return guarded(async () => {
    const main = await checkedNew(ctx, type, type.orderedIds || (companions.length && !type.key) ? { id: newId(type), ...input } : { ...input });
    // The companions may refer to the object by the id it is about to get.
    const withMain: TenancyContext = companions.length ? { ...ctx, known: new Map(ctx.known ?? []) } : ctx;
    if (companions.length) remember(withMain, type, [main.values]);
    const rows = [main];
    for (const companion of companions) {
      const companionType = objectType(companion.name);
      rows.push(await checkedNew(withMain, companionType, companionType.key ? { ...companion.values } : { id: newId(companionType), ...companion.values }));
    }
    if (rows.some((r) => r.database !== main.database)) throw new Error('A companion row must live in the database of the object it is written with.');
    if (numbered && numbered.tenantId !== main.values[type.tenantColumn ?? '']) throw new Error('An object is numbered by its own tenant.');
    return scoped(ctx, main.database, writeScope(ctx.access, untenantedAllowed(ctx)), async (tx) => {
      if (rows.some((r) => r.type.settings)) noteSettingsWritten(tx);
      const result = await tx.executeQuery<Row>(insertStatement(rows.map((r) => ({ table: r.type.table, values: r.values })), numbered));
      await assertInPartition(ctx, tx, type, result.rows[0]!.id);
      remember(ctx, type, result.rows);
      for (const companion of rows.slice(1)) if (!companion.type.key) remember(ctx, companion.type, [companion.values]);
      return result.rows[0]!;
    }, { fence: main.fence });
  });
}

const newId = (type: ObjectType) => (type.orderedIds ? orderedId() : randomUUID());

/** The id a new object of `name` gets, for a caller that writes rows referring to it in the same statement (`createObject`'s `with`). */
export const newObjectId = (name: ObjectTypeName): string => newId(objectType(name));

/** A new row of `type` with its tenant decided and its write rules checked, and where it goes. */
async function checkedNew(ctx: TenancyContext, type: ObjectType, values: Row): Promise<{ type: ObjectType; values: Row; database: Database; fence: Fence | undefined }> {
  if (type.class !== 'public') values[type.tenantColumn!] = await decideTenant(ctx, type, values);
  const tenantId = values[type.tenantColumn ?? ''] as number | null | undefined;
  assertWritable(ctx, type, tenantId);
  await checkReferences(ctx, type, values, Object.keys(values));
  return { type, values, ...(await writeTarget(ctx, tenantId)) };
}

/**
 * The tenant a new object of `name` with `values` would be created in (write rule 2: given,
 * implied by a reference, or the role's only writable tenant), checked writable; nothing is written.
 * For use cases that need the tenant before they write (a ticket's number, its tenant's filters).
 */
export async function tenantOfNew(ctx: TenancyContext, name: ObjectTypeName, values: Row): Promise<number | null> {
  const type = objectType(name);
  return guarded(async () => {
    const tenantId = await decideTenant(ctx, type, { ...values });
    assertWritable(ctx, type, tenantId);
    return tenantId;
  });
}

/**
 * Updates one object. `expect` makes it conditional (optimistic concurrency): when the stored row
 * no longer has these values, nothing is written and the answer is CONFLICT.
 */
export async function updateObject(ctx: TenancyContext, name: ObjectTypeName, id: string, patch: Row, options: { expect?: Row } = {}): Promise<Row> {
  const type = objectType(name);
  return guarded(async () => {
    const found = await locate(ctx, type, ctx.access.read, id, true);
    if (!found) throw new AppError('NOT_FOUND', `This ${type.name} was not found.`);
    const current = found.row;
    const tenantColumn = type.tenantColumn;
    if (tenantColumn && tenantColumn in patch && patch[tenantColumn] !== current[tenantColumn]) {
      throw new AppError('TENANT_IMMUTABLE', 'The tenant of an object cannot change after it is created.', tenantColumn);
    }
    assertWritable(ctx, type, tenantColumn ? (current[tenantColumn] as number | null) : undefined);
    assertWritesOpen(ctx.catalog, tenantColumn ? (current[tenantColumn] as number | null) : undefined);
    await checkReferences(ctx, type, { ...current, ...patch }, Object.keys(patch));
    const columns = Object.keys(patch).filter((c) => c !== tenantColumn);
    if (!columns.length) return current;
    return scoped(ctx, found.database, writeScope(ctx.access, untenantedAllowed(ctx)), async (tx) => {
      // The row is read again under the write scope: it must still be readable and in the partition.
      if (!(await selectById(tx, type, { tenants: ctx.access.read, publicRows: true }, id, ctx))) throw new AppError('NOT_FOUND', `This ${type.name} was not found.`);
      if (type.settings) noteSettingsWritten(tx);
      const result = await sql<Row>`update ${sql.table(type.table)}
        set ${sql.join(columns.map((c) => sql`${sql.ref(c)} = ${patch[c]}`))}
        where id = ${id} and ${whereEquals(options.expect ?? {})} returning *`.execute(tx);
      if (!result.rows[0]) throw new AppError('CONFLICT', `This ${type.name} was changed by someone else meanwhile: reload it and try again.`, Object.keys(options.expect ?? {})[0]);
      await assertInPartition(ctx, tx, type, id);
      remember(ctx, type, result.rows);
      return result.rows[0]!;
    }, { fence: fenceFor(ctx.catalog, tenantColumn ? (current[tenantColumn] as number | null) : undefined) });
  });
}

export async function deleteObject(ctx: TenancyContext, name: ObjectTypeName, id: string): Promise<void> {
  const type = objectType(name);
  await guarded(async () => {
    const found = await locate(ctx, type, ctx.access.read, id, true);
    if (!found) throw new AppError('NOT_FOUND', `This ${type.name} was not found.`);
    const tenantId = type.tenantColumn ? (found.row[type.tenantColumn] as number | null) : undefined;
    assertWritable(ctx, type, tenantId);
    assertWritesOpen(ctx.catalog, tenantId);
    await scoped(ctx, found.database, writeScope(ctx.access, untenantedAllowed(ctx)), (tx) => {
      if (type.settings) noteSettingsWritten(tx);
      return sql`delete from ${sql.table(type.table)} where id = ${id}`.execute(tx);
    }, { fence: fenceFor(ctx.catalog, tenantId) });
    ctx.known?.delete(`${type.name}:${id}`);
  });
}

/**
 * The next value of a per-tenant counter (`tenant_counters`), e.g. ticket numbers; `by` adds more
 * than one (bytes of attachments stored). Inside a unit of work the increment commits or rolls back
 * with it; the row lock it takes makes concurrent callers of the same tenant wait, so two committed
 * callers never get the same value.
 */
export async function nextCounterValue(ctx: TenancyContext, tenantId: number, counter: string, by = 1): Promise<number> {
  const type = objectType('tenantCounter');
  assertWritable(ctx, type, tenantId);
  const { database, fence } = await writeTarget(ctx, tenantId);
  return guarded(() =>
    scoped(ctx, database, writeScope(ctx.access, untenantedAllowed(ctx)), async (tx) => {
      const result = await sql<{ value: string }>`insert into tenant_counters (tenant_id, name, last_value) values (${tenantId}, ${counter}, ${by})
        on conflict (tenant_id, name) do update set last_value = tenant_counters.last_value + ${by}
        returning last_value::text as value`.execute(tx);
      return Number(result.rows[0]!.value);
    }, { fence }),
  );
}

function untenantedAllowed(ctx: TenancyContext): boolean {
  return ctx.settings.state === 'setup' || (ctx.settings.state === 'on' && ctx.settings.untenanted !== 'strict');
}

/**
 * Write rule 2: the tenant is given explicitly, or derived from a tenant-implying reference, or is
 * the only tenant the role can write. Otherwise TENANT_REQUIRED (or, in warn/allow, no tenant).
 */
async function decideTenant(ctx: TenancyContext, type: ObjectType, values: Row): Promise<number | null> {
  const column = type.tenantColumn!;
  if (column in values && values[column] !== undefined) {
    const given = values[column];
    if (given !== null && (typeof given !== 'number' || !Number.isInteger(given))) {
      throw new AppError('VALIDATION_FAILED', 'A tenant is given by its id.', column);
    }
    // An explicit null is no way around write rule 2: a tenant-required object needs a tenant.
    if (given === null && type.class === 'tenant-required' && !untenantedAllowed(ctx)) {
      throw new AppError('TENANT_REQUIRED', `A ${type.name} always belongs to a tenant: say which one.`, column);
    }
    return given as number | null;
  }
  for (const ref of type.references.filter((r) => r.impliesTenant && !r.spEligible)) {
    const value = values[ref.column];
    if (value === undefined || value === null) continue;
    const target = objectType(ref.target as ObjectTypeName);
    const known = knownRow(ctx, target, value, ctx.access.read);
    const found = known ? undefined : await locate(ctx, target, ctx.access.read, value, false);
    if (!known && !found) throw invalidReference(ref);
    const implied = known ? known.tenantId : found!.row[target.tenantColumn ?? ''];
    if (typeof implied === 'number') return implied;
  }
  const write = ctx.access.write;
  if (write !== 'all' && write.length === 1) return write[0]!;
  if (ctx.settings.state === 'off' && ctx.catalog.serviceProvider) return ctx.catalog.serviceProvider.id;
  if (type.class === 'tenant-required' && untenantedAllowed(ctx)) {
    const message = `A ${type.name} was saved with no tenant.`;
    if (ctx.settings.untenanted === 'warn') ctx.log?.error({ type: type.name }, message);
    else ctx.log?.warn({ type: type.name }, message);
    return null;
  }
  throw new AppError(
    'TENANT_REQUIRED',
    `Say which tenant this ${type.name} belongs to: it cannot be derived from your active role or its references.`,
    column,
  );
}

/** Write rule 1: the object's tenant is writable by the active role (public rows need may-write-public). */
function assertWritable(ctx: TenancyContext, type: ObjectType, tenantId: number | null | undefined): void {
  if (type.class === 'public' || (type.class === 'tenant-optional' && tenantId === null)) {
    if (!ctx.access.writePublic) throw new AppError('PUBLIC_WRITE_DENIED', `Your active role may not write public ${type.name} objects.`);
    return;
  }
  if (tenantId === null || tenantId === undefined) return; // untenanted, already allowed by decideTenant
  if (!inSet(ctx.access.write, tenantId) || !ctx.catalog.byId.has(tenantId)) {
    throw new AppError('TENANT_ACCESS_DENIED', `Your active role may not write objects of this tenant.`, type.tenantColumn);
  }
}

/**
 * Write rules 3 and 4: each reference points to a public object, one of the same tenant or of a
 * tenant above it; service-provider-eligible references may also point to the SP's objects. The
 * target is looked up under exactly that tenant set, so one that exists elsewhere looks missing.
 */
async function checkReferences(ctx: TenancyContext, type: ObjectType, values: Row, changed: string[]): Promise<void> {
  const tenantId = type.tenantColumn ? (values[type.tenantColumn] as number | null) : null;
  for (const ref of type.references.filter((r) => changed.includes(r.column) && values[r.column] != null)) {
    const allowed = referenceableTenants(ctx, tenantId, ref);
    const target = objectType(ref.target as ObjectTypeName);
    if (knownRow(ctx, target, values[ref.column], allowed)) continue;
    if (!(await locate(ctx, target, allowed, values[ref.column], false))) throw invalidReference(ref);
  }
}

/** The tenants an object of `tenantId` may reference through `ref` (besides public rows). */
export function referenceableTenants(ctx: TenancyContext, tenantId: number | null, ref: Pick<Reference, 'spEligible' | 'sameTenant'>): number[] {
  if (ref.sameTenant) return tenantId === null ? [] : [tenantId];
  if (ctx.settings.state !== 'on') return [...ctx.catalog.byId.keys()];
  const allowed = tenantId === null ? [] : ctx.catalog.supertenants(tenantId);
  const sp = ctx.catalog.serviceProvider?.id;
  if (ref.spEligible && sp !== undefined && !allowed.includes(sp)) allowed.push(sp);
  return allowed;
}

function invalidReference(ref: Reference): AppError {
  return new AppError(
    'TENANT_REFERENCE_INVALID',
    `${ref.column} must refer to an existing ${ref.target} that is public or belongs to this object's tenant or a tenant above it` +
      (ref.spEligible ? ' or to the service provider.' : '.'),
    ref.column,
  );
}

/**
 * The choices offered for a reference field of an object of `forTenant` (drop-downs, lookup
 * endpoints): the targets the reference rules allow that the active role may also read, within
 * its data partitions (docs/decisions/0010). A service-provider-eligible reference also offers the
 * service provider's rows, which write rule 4 lets whoever writes the object point to; the caller
 * decides who may ask for such a field. `filter` narrows the choices on the target's own columns.
 */
export async function listChoices(
  ctx: TenancyContext,
  name: ObjectTypeName,
  column: string,
  forTenant: number | null,
  options: { filter?: RawBuilder<boolean> } = {},
): Promise<{ id: string; label: string; tenant_id: number | null }[]> {
  const type = objectType(name);
  const ref = type.references.find((r) => r.column === column);
  if (!ref) throw new AppError('NOT_FOUND', `A ${type.name} has no reference field "${column}".`, 'field');
  assertWritable(ctx, type, forTenant);
  const target = objectType(ref.target as ObjectTypeName);
  const sp = ctx.catalog.serviceProvider?.id;
  // Tenant boundary: a choice is a target the rules allow and a row the role reads (or, for an
  // SP-eligible reference, one of the service provider's, which the rules name on purpose).
  const offered = referenceableTenants(ctx, forTenant, ref).filter((t) => inSet(ctx.access.read, t) || (ref.spEligible && t === sp));
  const tenantColumn = target.tenantColumn ? sql.ref(target.tenantColumn) : sql`null::integer`;
  const rank = target.choiceOrder ? sql.ref(target.choiceOrder) : sql`0`;
  type Choice = { id: string; label: string; tenant_id: number | null; rank: number };
  const pages = await scatter(await readTargets(ctx, target, offered), (t) =>
    scoped(ctx, t.database, { read: t.tenants, write: [], writePublic: false }, async (tx) => {
      const result = await sql<Choice>`
        select id, ${sql.ref(target.labelColumn ?? 'id')}::text as label, ${tenantColumn} as tenant_id, ${rank}::integer as rank
        from ${sql.table(target.table)} where ${visible(ctx, target, t, {})} and ${options.filter ?? sql<boolean>`true`}
        order by 4, 2, 1 limit 500`.execute(tx);
      return result.rows;
    }),
  );
  const byLabel = compareRows('label', false);
  return pages
    .flat()
    .sort((a, b) => a.rank - b.rank || byLabel(a, b))
    .slice(0, 500)
    .map(({ rank: _rank, ...choice }) => choice);
}
