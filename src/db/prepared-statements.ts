import { createHash } from 'node:crypto';
import type pg from 'pg';

/**
 * Named prepared statements for every parameterised statement a pool's clients send.
 *
 * Kysely sends each statement unnamed, so PostgreSQL parses, analyses, rewrites (row-level security
 * policies included) and plans it on every execution. Named after a hash of its text, a statement
 * is parsed once per connection and, once PostgreSQL's plan cache finds its generic plan no worse
 * than the custom ones, planned once too; on the ticket-creation transaction that halves the
 * server's CPU (bench/README.md, "prepared statements"). Plans stay correct under row-level
 * security: the cached plan records the role it was made for and is redone for another one, and
 * the policies read the scope's settings at execution time.
 *
 * Statements without parameters (BEGIN, COMMIT, set-up) keep the simple protocol: one message and
 * nothing to cache. A connection names at most `MAX_PER_CONNECTION` distinct texts, so statements
 * whose text varies (IN lists of every length) cannot grow the server's memory without bound; past
 * that they go unnamed, as before.
 */
export const MAX_PER_CONNECTION = 500;
const NAME_CACHE_SIZE = 5000;

const names = new Map<string, string>();
const namedBy = new WeakMap<pg.ClientBase, Set<string>>();

function nameOf(text: string): string {
  let name = names.get(text);
  if (!name) {
    name = `td_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (names.size >= NAME_CACHE_SIZE) names.clear();
    names.set(text, name);
  }
  return name;
}

/** Makes a pool's clients prepare their parameterised statements under stable names. */
export function prepareStatements(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    const named = new Set<string>();
    namedBy.set(client, named);
    // Looked up at each call, not bound once, so instrumentation of the prototype still sees every statement.
    const proto = Object.getPrototypeOf(client) as { query: (...args: unknown[]) => unknown };
    const query = (...args: unknown[]) => proto.query.apply(client, args);
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      if (typeof text !== 'string' || !Array.isArray(values) || values.length === 0 || args.length > 2) return query(...args);
      const name = nameOf(text);
      if (!named.has(name)) {
        if (named.size >= MAX_PER_CONNECTION) return query(text, values);
        named.add(name);
      }
      return query({ name, text, values });
    }) as typeof client.query;
  });
}

/** How many statements a client has named (for tests). */
export function namedStatementCount(client: pg.ClientBase): number {
  return namedBy.get(client)?.size ?? 0;
}
