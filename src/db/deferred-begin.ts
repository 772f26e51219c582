import type pg from 'pg';

/**
 * Sends a transaction's BEGIN together with its first statement when that is the scope statement
 * (db/scope.ts), one round trip instead of two for every unit of work.
 *
 * Kysely sends `begin` and waits for it before the work starts; the work's first statement is
 * almost always the scope (`select set_config('role', ...)`), sent with its values inline so that it
 * can share a simple-protocol message with BEGIN. So `begin` is held back: the next statement goes
 * out as `begin; <statement>` when it is the scope, after a BEGIN of its own otherwise; a COMMIT or
 * ROLLBACK with nothing in between sends nothing, as there is no transaction to end.
 */
export const SCOPE_STATEMENT = "select set_config('role', ";

type Query = (...args: unknown[]) => Promise<unknown>;
const DONE = (command: string) => Promise.resolve({ command, rowCount: null, rows: [], fields: [] });

export function deferBegin(pool: pg.Pool): void {
  pool.on('connect', (client) => {
    // The query function set up so far (prepared statements), else the prototype's, looked up at each call.
    const own = Object.prototype.hasOwnProperty.call(client, 'query') ? (client.query as unknown as Query) : undefined;
    const send: Query = (...args) => (own ?? (Object.getPrototypeOf(client).query as Query)).apply(client, args);
    let held = false;
    client.query = ((...args: unknown[]) => {
      const [text, values] = args;
      const bare = typeof text === 'string' && (values === undefined || (Array.isArray(values) && values.length === 0)) && args.length <= 2;
      if (bare && text === 'begin') {
        held = true;
        return DONE('BEGIN');
      }
      if (!held) return send(...args);
      held = false;
      if (bare && (text === 'commit' || text === 'rollback')) return DONE(text.toUpperCase());
      if (bare && text.startsWith(SCOPE_STATEMENT)) {
        // Two statements in one message answer with two results: the scope's is the caller's.
        return send(`begin; ${text}`).then((results) => (Array.isArray(results) ? results.at(-1) : results));
      }
      return send('begin').then(() => send(...args));
    }) as typeof client.query;
  });
}
