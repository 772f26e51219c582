import assert from 'node:assert/strict';
import { it } from 'node:test';
import { describeFaultWrites, runFaultWrites } from '../support/fault-writes.ts';

/**
 * 300 ticket creations and replies with Idempotency-Keys, retried on failure, while the server is
 * SIGKILLed twice and PostgreSQL restarted once (test/support/fault-writes.ts): every write
 * acknowledged exists exactly once, none is stored twice. `npm run bench:faults` runs 10,000.
 */
it('keeps every acknowledged write exactly once through SIGKILLs and a PostgreSQL restart', async (t) => {
  const report = await runFaultWrites({ writes: 300, clients: 8, tenants: 5, kills: 2, pgRestarts: 1, replyShare: 0.5, stuckAfterMs: 15_000, log: (line) => t.diagnostic(line) });
  t.diagnostic(describeFaultWrites(report));
  assert.equal(report.kills, 2);
  assert.equal(report.pgRestarts, 1);
  assert.deepEqual(report.lost, [], 'no acknowledged write is missing');
  assert.deepEqual(report.duplicated, [], 'no write is stored twice');
  assert.deepEqual(report.gaveUp, [], 'no key stays held by a request that died');
  assert.deepEqual(report.refused, [], 'no write is refused');
  assert.equal(report.acknowledged.tickets + report.acknowledged.replies, 300, 'every write is acknowledged in the end');
  assert.ok(report.acknowledged.replies > 0, 'replies were written too');
  assert.ok(report.retriedWrites > 0, 'the faults made clients retry');
});
