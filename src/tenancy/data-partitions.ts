import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { registry, type ObjectType } from '../db/registry.ts';
import { AppError } from '../errors.ts';

/**
 * Data partitions: per-object-type row constraints a role carries on top of tenant access
 * ("only tickets I requested or am CC on"). Stored as data in a small, safe form, compiled to
 * parameterised SQL: field names are identifiers checked against the schema when a role is
 * created, values are always parameters. A partition is one condition, or `any` of several.
 */
const placeholder = z.enum(['@me', '@my_tenant', '@my_departments']);
const scalar = z.union([z.string().max(200), z.number(), z.boolean(), z.null()]);

/** Collections a partition can test membership of, e.g. a ticket's collaborators (CC). */
export const RELATIONS: Record<string, Record<string, { table: string; owner: string; member: string }>> = {
  ticket: { collaborators: { table: 'ticket_collaborators', owner: 'ticket_id', member: 'contact_id' } },
};

const OPERATORS = ['=', '!=', 'in', 'not in', 'is null', 'is not null', 'contains'] as const;
const condition = z.object({
  field: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  op: z.enum(OPERATORS),
  value: z.union([placeholder, scalar, z.array(scalar).max(100)]).optional(),
});
const objectTypeName = z.string().refine((t) => Object.hasOwn(registry, t), 'unknown object type');

export const partitionSchema = z
  .union([condition.extend({ type: objectTypeName }).strict(), z.object({ type: objectTypeName, any: z.array(condition.strict()).min(1).max(20) }).strict()])
  .superRefine((p, issue) => {
    for (const c of 'any' in p ? p.any : [p]) {
      const relation = Object.hasOwn(RELATIONS[p.type] ?? {}, c.field);
      if (relation !== (c.op === 'contains')) issue.addIssue({ code: 'custom', message: `"contains" is for collections (${c.field})` });
    }
  });
export type Partition = z.infer<typeof partitionSchema>;
export type PartitionCondition = z.infer<typeof condition>;

/** A partition with its placeholders replaced by the signed-in contact's values. */
export type ResolvedPartition = { type: string; any: { field: string; op: PartitionCondition['op']; value: unknown }[] };

export type PartitionSubject = { contactId: string; tenantId: number; departmentIds: readonly string[] };

export function parsePartitions(stored: unknown): Partition[] {
  if (Array.isArray(stored)) stored.forEach(assertKnownOperators);
  const parsed = z.array(partitionSchema).safeParse(stored);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `A data partition is not valid: ${parsed.error.issues[0]?.message}.`, 'partitions');
  return parsed.data;
}

/** The field an error about one condition names: `partitions.<i>` or `partitions.<i>.any.<j>`, so a form can show it by its row. */
export const conditionPath = (partition: number, condition: number | null) => `partitions.${partition}${condition === null ? '' : `.any.${condition}`}`;

/** An unknown operator named by its row, before the schema's less precise union error. */
function assertKnownOperators(p: unknown, index: number): void {
  if (typeof p !== 'object' || p === null) return;
  const any = (p as { any?: unknown }).any;
  const conditions = Array.isArray(any) ? any.map((c, j) => [c, j] as const) : [[p, null] as const];
  for (const [c, j] of conditions) {
    const op = (c as { op?: unknown } | null)?.op;
    if (op !== undefined && !(OPERATORS as readonly unknown[]).includes(op)) {
      throw new AppError('PARTITION_OPERATOR_UNKNOWN', `"${String(op)}" is not an operator; use one of ${OPERATORS.join(', ')}.`, conditionPath(index, j));
    }
  }
}

/** Every condition of a partition, whether it is one or `any` of several. */
export function conditionsOf(partition: Partition): PartitionCondition[] {
  return 'any' in partition ? partition.any : [partition];
}

export function resolvePartitions(partitions: Partition[], subject: PartitionSubject): ResolvedPartition[] {
  const values: Record<z.infer<typeof placeholder>, unknown> = {
    '@me': subject.contactId,
    '@my_tenant': subject.tenantId,
    '@my_departments': [...subject.departmentIds],
  };
  const resolve = (value: unknown) => (typeof value === 'string' && value in values ? values[value as keyof typeof values] : value);
  return partitions.map((p) => ({ type: p.type, any: conditionsOf(p).map((c) => ({ field: c.field, op: c.op, value: resolve(c.value) })) }));
}

/** The SQL condition of every partition on `type` (each an OR of its conditions), ANDed. */
export function partitionFilter(type: ObjectType, partitions: readonly ResolvedPartition[]): RawBuilder<boolean> {
  const own = partitions.filter((p) => p.type === type.name);
  if (!own.length) return sql<boolean>`true`;
  const anyOf = (p: ResolvedPartition) => sql<boolean>`(${sql.join(p.any.map((c) => compile(type, c)), sql` or `)})`;
  return sql<boolean>`(${sql.join(own.map(anyOf), sql` and `)})`;
}

function compile(type: ObjectType, c: ResolvedPartition['any'][number]): RawBuilder<boolean> {
  const column = sql.ref(c.field);
  const list = (Array.isArray(c.value) ? c.value : [c.value]).map(String);
  switch (c.op) {
    case '=':
      return sql<boolean>`${column} is not distinct from ${c.value}`;
    case '!=':
      return sql<boolean>`${column} is distinct from ${c.value}`;
    case 'in':
      return list.length ? sql<boolean>`${column}::text = any (${sql.val(list)}::text[])` : sql<boolean>`false`;
    case 'not in':
      return list.length ? sql<boolean>`not (${column}::text = any (${sql.val(list)}::text[]))` : sql<boolean>`true`;
    case 'is null':
      return sql<boolean>`${column} is null`;
    case 'is not null':
      return sql<boolean>`${column} is not null`;
    case 'contains': {
      const relation = RELATIONS[type.name]![c.field]!;
      return sql<boolean>`exists (select 1 from ${sql.table(relation.table)} as rel
        where rel.${sql.ref(relation.owner)} = ${sql.ref(`${type.table}.id`)} and rel.${sql.ref(relation.member)}::text = any (${sql.val(list)}::text[]))`;
    }
  }
}
