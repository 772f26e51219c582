import { sql, type RawBuilder } from 'kysely';
import { z } from 'zod';
import { registry, type ObjectType } from '../db/registry.ts';
import { AppError } from '../errors.ts';

/**
 * Data partitions: per-object-type row constraints a role carries on top of tenant access
 * ("only tickets I requested"). Stored as data in a small, safe form, compiled to parameterised
 * SQL: field names are checked against the table's known columns, values are always parameters.
 */
const placeholder = z.enum(['@me', '@my_tenant', '@my_departments']);
const scalar = z.union([z.string().max(200), z.number(), z.boolean(), z.null()]);

export const partitionSchema = z.object({
  type: z.string().refine((t) => Object.hasOwn(registry, t), 'unknown object type'),
  field: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/),
  op: z.enum(['=', '!=', 'in', 'not in', 'is null', 'is not null']),
  value: z.union([placeholder, scalar, z.array(scalar).max(100)]).optional(),
});
export type Partition = z.infer<typeof partitionSchema>;

/** A partition with its placeholders replaced by the signed-in contact's values. */
export type ResolvedPartition = { type: string; field: string; op: Partition['op']; value: unknown };

export type PartitionSubject = { contactId: string; tenantId: number; departmentIds: readonly string[] };

export function parsePartitions(stored: unknown): Partition[] {
  const parsed = z.array(partitionSchema).safeParse(stored);
  if (!parsed.success) throw new AppError('VALIDATION_FAILED', `A data partition is not valid: ${parsed.error.issues[0]?.message}.`, 'data_partitions');
  return parsed.data;
}

export function resolvePartitions(partitions: Partition[], subject: PartitionSubject): ResolvedPartition[] {
  const values: Record<z.infer<typeof placeholder>, unknown> = {
    '@me': subject.contactId,
    '@my_tenant': subject.tenantId,
    '@my_departments': [...subject.departmentIds],
  };
  return partitions.map((p) => ({
    type: p.type,
    field: p.field,
    op: p.op,
    value: typeof p.value === 'string' && p.value in values ? values[p.value as keyof typeof values] : p.value,
  }));
}

/** The SQL condition of every partition on `type`, ANDed; `true` when the role has none. */
export function partitionFilter(type: ObjectType, partitions: readonly ResolvedPartition[]): RawBuilder<boolean> {
  const own = partitions.filter((p) => p.type === type.name);
  if (!own.length) return sql<boolean>`true`;
  return sql<boolean>`(${sql.join(own.map(condition), sql` and `)})`;
}

function condition(p: ResolvedPartition): RawBuilder<boolean> {
  const column = sql.ref(p.field);
  const list = Array.isArray(p.value) ? p.value : [p.value];
  switch (p.op) {
    case '=':
      return sql<boolean>`${column} is not distinct from ${p.value}`;
    case '!=':
      return sql<boolean>`${column} is distinct from ${p.value}`;
    case 'in':
      return list.length ? sql<boolean>`${column}::text = any (${sql.val(list.map(String))}::text[])` : sql<boolean>`false`;
    case 'not in':
      return list.length ? sql<boolean>`not (${column}::text = any (${sql.val(list.map(String))}::text[]))` : sql<boolean>`true`;
    case 'is null':
      return sql<boolean>`${column} is null`;
    case 'is not null':
      return sql<boolean>`${column} is not null`;
  }
}
