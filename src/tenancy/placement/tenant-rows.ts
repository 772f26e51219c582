import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { ObjectType } from '../../db/registry.ts';
import { AppError } from '../../errors.ts';
import { deleteOrder } from './delete-tenant.ts';

/**
 * A tenant's rows, table by table, as text that survives a trip between databases unchanged:
 * each row is read as `to_jsonb(row)` (timestamps keep their microseconds) and written back with
 * `jsonb_populate_recordset`. Moves, exports and imports all go through here.
 */
export type Executor = Kysely<DB>;

/** The columns a copy writes (generated ones are computed again) and the primary key. */
export type TableShape = {
  readonly type: ObjectType;
  readonly columns: readonly string[];
  readonly key: readonly string[];
  /** With the generated ones, which a row read with to_jsonb also carries. */
  readonly allColumns: readonly string[];
};

/** The tables a tenant's data is copied in: owners before their parts (the reverse of deleting). */
export const copyOrder = (): ObjectType[] => deleteOrder().filter((t) => !t.transient).reverse();

export async function tableShape(db: Executor, type: ObjectType): Promise<TableShape> {
  const result = await sql<{ name: string; generated: boolean; in_key: boolean; sequence: boolean }>`
    select a.attname as name, a.attgenerated <> '' as generated, coalesce(a.attnum = any (i.indkey), false) as in_key,
      (a.attidentity <> '' or pg_get_serial_sequence(${type.table}, a.attname) is not null) as sequence
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid and c.relnamespace = 'public'::regnamespace
    left join pg_index i on i.indrelid = c.oid and i.indisprimary
    where c.relname = ${type.table} and a.attnum > 0 and not a.attisdropped
    order by a.attnum`.execute(db);
  const key = result.rows.filter((c) => c.in_key);
  // A key from a sequence means another database may already hold the same number for another tenant.
  if (!key.length || key.some((c) => c.sequence)) {
    throw new AppError('INTERNAL', `Table ${type.table} has no copyable primary key (mark it transient in the registry or key it by UUID).`);
  }
  return { type, columns: result.rows.filter((c) => !c.generated).map((c) => c.name), key: key.map((c) => c.name), allColumns: result.rows.map((c) => c.name) };
}

const keyText = (shape: TableShape) => sql`row(${sql.join(shape.key.map((k) => sql.ref(`t.${k}`)))})::text`;
const ofTenant = (shape: TableShape, tenantId: number) => sql`${sql.ref(`t.${shape.type.tenantColumn!}`)} = ${tenantId}`;

/** Row text depends on the session's time zone; every digest is taken in UTC. */
export async function inUtc<T>(db: Executor, work: (tx: Transaction<DB>) => Promise<T>, readOnly = false): Promise<T> {
  return db.transaction().execute(async (tx) => {
    if (readOnly) await sql`set transaction isolation level repeatable read, read only`.execute(tx);
    await sql`set local timezone to 'UTC'`.execute(tx);
    return work(tx);
  });
}

/** Each row's key and an MD5 digest of its whole text. */
export async function rowDigests(db: Executor, shape: TableShape, tenantId: number): Promise<Map<string, string>> {
  const result = await sql<{ key: string; digest: string }>`
    select ${keyText(shape)} as key, md5(t::text) as digest
    from ${sql.table(shape.type.table)} t where ${ofTenant(shape, tenantId)}`.execute(db);
  return new Map(result.rows.map((r) => [r.key, r.digest]));
}

/** How many rows differ between two digest maps: changed, missing or extra. */
export function differingRows(wanted: ReadonlyMap<string, string>, have: ReadonlyMap<string, string>): number {
  return [...wanted].filter(([key, digest]) => have.get(key) !== digest).length + [...have.keys()].filter((key) => !wanted.has(key)).length;
}

/** The rows with these keys (or all of the tenant's), as JSON text, a batch at a time. */
export async function* readRows(db: Executor, shape: TableShape, tenantId: number, keys?: readonly string[], batch = 500): AsyncGenerator<string[]> {
  if (keys) {
    for (let i = 0; i < keys.length; i += batch) {
      const result = await sql<{ row: string }>`select to_jsonb(t)::text as row from ${sql.table(shape.type.table)} t
        where ${ofTenant(shape, tenantId)} and ${keyText(shape)} = any (${sql.val(keys.slice(i, i + batch))}::text[])`.execute(db);
      yield result.rows.map((r) => r.row);
    }
    return;
  }
  let after: string | undefined;
  for (;;) {
    const result = await sql<{ row: string; key: string }>`select to_jsonb(t)::text as row, ${keyText(shape)} as key
      from ${sql.table(shape.type.table)} t where ${ofTenant(shape, tenantId)} ${after === undefined ? sql`` : sql`and ${keyText(shape)} > ${after}`}
      order by 2 limit ${batch}`.execute(db);
    if (!result.rows.length) return;
    yield result.rows.map((r) => r.row);
    after = result.rows[result.rows.length - 1]!.key;
  }
}

/**
 * Writes rows given as JSON text: new keys are inserted, existing ones overwritten. A key held by
 * another tenant's row is never overwritten (the copy's verification then fails instead). With
 * `insertOnly`, an existing key is an error instead.
 */
export async function upsertRows(db: Executor, shape: TableShape, rows: readonly string[], insertOnly = false): Promise<void> {
  if (!rows.length) return;
  const columns = sql.join(shape.columns.map((c) => sql.ref(c)));
  const others = shape.columns.filter((c) => !shape.key.includes(c));
  const tenant = shape.type.tenantColumn!;
  const onConflict = insertOnly
    ? sql``
    : others.length
    ? sql`do update set ${sql.join(others.map((c) => sql`${sql.ref(c)} = excluded.${sql.ref(c)}`))}
        where ${sql.ref(`${shape.type.table}.${tenant}`)} is not distinct from excluded.${sql.ref(tenant)}`
    : sql`do nothing`;
  await sql`insert into ${sql.table(shape.type.table)} (${columns}) overriding system value
    select ${columns} from jsonb_populate_recordset(null::${sql.table(shape.type.table)}, ${`[${rows.join(',')}]`}::jsonb)
    ${insertOnly ? sql`` : sql`on conflict (${sql.join(shape.key.map((k) => sql.ref(k)))})`} ${onConflict}`.execute(db);
}

export async function deleteRows(db: Executor, shape: TableShape, tenantId: number, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += 500) {
    await sql`delete from ${sql.table(shape.type.table)} t
      where ${ofTenant(shape, tenantId)} and ${keyText(shape)} = any (${sql.val(keys.slice(i, i + 500))}::text[])`.execute(db);
  }
}
