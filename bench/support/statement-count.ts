import pg from 'pg';

/** Statements (and BEGINs) sent by every pool client of this process since the counter started or was reset. */
export type StatementCounter = { statements: number; transactions: number; reset(): void; stop(): void };

/**
 * Counts every statement pool clients of this process send (instrumentation of a benchmark only);
 * COST_TRACE=1 prints each one while `trace` is on.
 */
export function countStatements(options: { trace?: () => boolean } = {}): StatementCounter {
  const query = pg.Client.prototype.query;
  const counter: StatementCounter = {
    statements: 0,
    transactions: 0,
    reset: () => void (counter.statements = counter.transactions = 0),
    stop: () => void (pg.Client.prototype.query = query),
  };
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    counter.statements++;
    const text = typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string } | undefined)?.text ?? '');
    if (/^\s*begin/i.test(text)) counter.transactions++;
    if (process.env.COST_TRACE && (options.trace?.() ?? true)) console.error(`  sql: ${text.replace(/\s+/g, ' ').slice(0, 160)}`);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  return counter;
}
