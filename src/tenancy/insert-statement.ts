import { CompiledQuery } from 'kysely';
import type { Row } from './data-access.ts';

/**
 * The insert statement of the data-access layer (`createObject`): a row, returning it, with its
 * companions (the rows before it, as data-modifying CTEs: PostgreSQL runs each once, and checks the
 * foreign keys between them at the statement's end) and, when the object is numbered, the bump of
 * its tenant's counter. The text depends on the tables, columns and numbered slots only, so it is
 * built once per shape, not as a query tree for every row: inserts are most of a ticket's or a
 * message's statements.
 */

/**
 * A new object's human number (a ticket's `ACME-000042`), taken from its tenant's counter
 * (`tenant_counters`) by the statement that writes the object: the counter's row is bumped in a CTE
 * of that statement, so the number costs no round trip of its own (issue 25). The row stays locked
 * until the transaction ends: numbers are sequential per tenant, and a rolled-back object leaves the
 * counter as it was. The number is `prefix` then the value, zero-padded to `width` digits.
 */
export type Numbering = { readonly tenantId: number; readonly counter: string; readonly prefix: string; readonly width: number };

/** A slot a numbered insert fills with the number: a column's whole value, or one key of a JSON object. */
export class NumberSlot {
  private constructor(readonly json?: { readonly object: Record<string, unknown>; readonly key: string }) {}
  /** The column's value is the number. */
  static readonly value = new NumberSlot();
  /** The column's value is `object` as JSON, with the number under `key`. */
  static inJson = (object: Record<string, unknown>, key: string) => new NumberSlot({ object, key });
}

/** `prefix` then `value` zero-padded to `width` digits (more when it grows): the numbering's format, for a number taken on its own. */
export const formatNumber = (numbering: Pick<Numbering, 'prefix' | 'width'>, value: number): string =>
  `${numbering.prefix}${String(value).padStart(numbering.width, '0')}`;

/** `values` with every slot filled with `number`: for a numbered object written by statements of its own. */
export function fillNumberSlots(values: Row, number: string): Row {
  const slot = (v: unknown) => (v === NumberSlot.value ? number : v instanceof NumberSlot && v.json ? JSON.stringify({ ...v.json.object, [v.json.key]: number }) : v);
  return Object.fromEntries(Object.entries(values).map(([column, value]) => [column, slot(value)]));
}

export const hasNumberSlot = (values: Row): boolean => Object.values(values).some((v) => v instanceof NumberSlot);

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;
const texts = new Map<string, string>();

const slotShape = (value: unknown) => (value === NumberSlot.value ? '#' : value instanceof NumberSlot ? `#${value.json!.key}` : '');

export function insertStatement(rows: readonly { table: string; values: Row }[], numbering?: Numbering): CompiledQuery<Row> {
  const [main, ...companions] = rows;
  const ordered = [...companions, main!];
  const shape = `${numbering ? 'numbered ' : ''}${rows.map((r) => `${r.table}(${Object.entries(r.values).map(([c, v]) => c + slotShape(v)).join(',')})`).join(' ')}`;
  let text = texts.get(shape);
  if (text === undefined) {
    text = insertText(main!, companions, numbering !== undefined);
    if (texts.size >= 1000) texts.clear();
    texts.set(shape, text);
  }
  const parameters = ordered.flatMap((r) =>
    Object.values(r.values).flatMap((v) => (v === NumberSlot.value ? [] : v instanceof NumberSlot ? [JSON.stringify(v.json!.object)] : [v])),
  );
  return CompiledQuery.raw(text, numbering ? [numbering.tenantId, numbering.counter, numbering.prefix, numbering.width, ...parameters] : parameters);
}

function insertText(main: { table: string; values: Row }, companions: readonly { table: string; values: Row }[], numbered: boolean): string {
  let n = numbered ? 4 : 0;
  const number = '(select number from numbered)';
  const valueOf = (value: unknown) =>
    value === NumberSlot.value ? number : value instanceof NumberSlot ? `($${++n}::jsonb || jsonb_build_object(${quotedLiteral(value.json!.key)}, ${number}))` : `$${++n}`;
  const insert = (r: { table: string; values: Row }) =>
    `insert into ${quoted(r.table)} (${Object.keys(r.values).map(quoted).join(', ')}) values (${Object.values(r.values).map(valueOf).join(', ')})`;
  const ctes = [
    ...(numbered
      ? [`numbered as (insert into tenant_counters (tenant_id, name, last_value) values ($1, $2, 1)
          on conflict (tenant_id, name) do update set last_value = tenant_counters.last_value + 1
          returning $3::text || lpad(last_value::text, greatest($4::integer, length(last_value::text)), '0') as number)`]
      : []),
    ...companions.map((r, i) => `c${i} as (${insert(r)})`),
  ];
  return `${ctes.length ? `with ${ctes.join(', ')} ` : ''}${insert(main)} returning *`;
}

/** A JSON key of ours (a use case's constant), as an SQL string literal. */
function quotedLiteral(key: string): string {
  if (!/^[a-z_][a-z0-9_]*$/i.test(key)) throw new Error(`A numbered JSON key is a plain name: ${key}`);
  return `'${key}'`;
}
