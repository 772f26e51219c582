/**
 * A role's data partitions as rows of field, operator and value, and back to the stored form
 * (src/tenancy/data-partitions.ts). A row whose operator kind and value text were not touched gives
 * back the value it was loaded with, so an unchanged partition is saved exactly as the API stored it
 * (a number stays a number, a list keeps its element types).
 */
export const OPERATORS = ['=', '!=', 'in', 'not in', 'is null', 'is not null', 'contains'] as const;
export type Operator = (typeof OPERATORS)[number];

/** Placeholders the server replaces by the signed-in contact's values, offered as value suggestions. */
export const PLACEHOLDERS = ['@me', '@my_tenant', '@my_departments'];
/** Common ticket fields, offered as suggestions; the server checks any field against the schema. */
export const TICKET_FIELDS = ['requester_id', 'assignee_id', 'department_id', 'priority_id', 'status', 'help_topic_id', 'collaborators'];

export type ConditionRow = { field: string; op: string; text: string; loaded?: { kind: ValueKind; text: string; value: unknown } };
export type PartitionDraft = { type: string; grouped: boolean; rows: ConditionRow[] };
type StoredCondition = { field: string; op: string; value?: unknown };
export type StoredPartition = Record<string, unknown>;

type ValueKind = 'none' | 'list' | 'one';
const kindOf = (op: string): ValueKind => (op === 'is null' || op === 'is not null' ? 'none' : op === 'in' || op === 'not in' || op === 'contains' ? 'list' : 'one');

const oneText = (value: unknown) => (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value));
const textOf = (value: unknown) => (Array.isArray(value) ? value.map(oneText).join(', ') : oneText(value));

export const emptyRow = (): ConditionRow => ({ field: '', op: '=', text: '' });
export const emptyPartition = (): PartitionDraft => ({ type: 'ticket', grouped: false, rows: [emptyRow()] });

function rowOf(c: StoredCondition): ConditionRow {
  const text = textOf(c.value);
  return { field: c.field, op: c.op, text, loaded: { kind: kindOf(c.op), text, value: c.value } };
}

export function draftsOf(stored: readonly StoredPartition[]): PartitionDraft[] {
  return stored.map((p) => {
    const grouped = Array.isArray(p.any);
    const conditions = (grouped ? p.any : [p]) as StoredCondition[];
    return { type: String(p.type), grouped, rows: conditions.map(rowOf) };
  });
}

function valueOf(row: ConditionRow): unknown {
  const kind = kindOf(row.op);
  if (row.loaded && row.loaded.kind === kind && row.loaded.text === row.text) return row.loaded.value;
  if (kind === 'none') return undefined;
  if (kind === 'list') return row.text.split(',').map((v) => v.trim()).filter(Boolean);
  return row.text.trim();
}

function conditionOf(row: ConditionRow): StoredCondition {
  const value = valueOf(row);
  return { field: row.field.trim(), op: row.op, ...(value === undefined ? {} : { value }) };
}

export function storedOf(drafts: readonly PartitionDraft[]): StoredPartition[] {
  return drafts.map((d) => (d.grouped || d.rows.length > 1 ? { type: d.type, any: d.rows.map(conditionOf) } : { ...conditionOf(d.rows[0]!), type: d.type }));
}

/** Why a row cannot be saved, as a message key, or null; the server still checks the field exists. */
export function rowProblem(row: ConditionRow): 'roles.partition.badField' | 'roles.partition.badOperator' | null {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(row.field.trim())) return 'roles.partition.badField';
  if (!(OPERATORS as readonly string[]).includes(row.op)) return 'roles.partition.badOperator';
  return null;
}

/** The partition and row an API error's field names (`partitions.0.any.1.field`, `partitions.0.field`). */
export function rowOfErrorField(field: string | undefined): { partition: number; row: number } | null {
  const match = /^partitions\.(\d+)(?:\.any\.(\d+))?/.exec(field ?? '');
  return match ? { partition: Number(match[1]), row: Number(match[2] ?? 0) } : null;
}

/** A partition as one readable line, for the roles table: `ticket: status = pending or requester_id = @me`. */
export function summaryOf(stored: StoredPartition): string {
  const [draft] = draftsOf([stored]);
  const rows = draft!.rows.map((r) => [r.field, r.op, r.text].filter(Boolean).join(' '));
  return `${draft!.type}: ${rows.join(' | ')}`;
}
