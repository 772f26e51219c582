import type { Database } from '../db/database.ts';
import { settingsVersionSeen, type ScopedTx } from '../db/scope.ts';

type Row = Record<string, unknown>;

/**
 * Reads of settings tables (registry `settings`: roles, ticket statuses and filters, mail
 * templates, mailboxes), kept in memory per database under the settings version the reading
 * transaction saw with its scope (db/scope.ts, migration 0024). Every ticket and every message
 * reads some of them; administrators seldom change them, and any change bumps the version, so a
 * transaction that saw version V is answered from rows read at V or later, never earlier ones:
 * what it would have read itself, as of its own first statement at the latest.
 *
 * The key is the whole read (tenants, public rows, conditions, order, limit), so a read under one
 * tenant set never answers another. A transaction that wrote settings neither reads nor fills it.
 */
const MAX_READS = 10_000;

type Shelf = { version: number; reads: Map<string, readonly Row[]> };
const shelves = new WeakMap<Database, Shelf>();

/** The rows kept for this read at the version `tx` saw, as copies the caller may change; undefined when none are. */
export function keptSettings(tx: ScopedTx, database: Database, key: string): Row[] | undefined {
  const version = settingsVersionSeen(tx);
  const shelf = shelves.get(database);
  if (version === undefined || shelf?.version !== version) return undefined;
  const rows = shelf.reads.get(key);
  return rows && (copied(rows) as Row[]);
}

/** Keeps the rows `tx` just read under the version it saw; a newer version empties the shelf first. */
export function keepSettings(tx: ScopedTx, database: Database, key: string, rows: readonly Row[]): void {
  const version = settingsVersionSeen(tx);
  if (version === undefined) return;
  let shelf = shelves.get(database);
  if (!shelf || shelf.version < version) shelves.set(database, (shelf = { version, reads: new Map() }));
  // An older transaction's rows may predate a change a newer one already saw: they are not kept.
  if (shelf.version !== version) return;
  if (shelf.reads.size >= MAX_READS) shelf.reads.clear();
  shelf.reads.set(key, copied(rows) as Row[]);
}

/**
 * A deep copy of rows as the database driver gives them: plain objects, arrays, dates and scalars
 * copied by hand (structuredClone serialises, about 50 µs a message); anything else (byte arrays)
 * by structuredClone. Object.fromEntries defines each key as an own property, `__proto__` of a
 * JSON value included.
 */
function copied(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(copied);
  if (value instanceof Date) return new Date(value.getTime());
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return structuredClone(value);
  return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, copied(field)]));
}
