import assert from 'node:assert/strict';
import { it } from 'node:test';
import { signInDelayMs } from '../../src/identity/sign-in-delay.ts';

const WINDOW = 15 * 60_000;

it('waits nothing for the first failures, then one second, doubling with each failure', () => {
  assert.deepEqual(
    [0, 1, 4, 5, 6, 7, 8].map((n) => signInDelayMs(n, 5, WINDOW)),
    [0, 0, 0, 1000, 2000, 4000, 8000],
  );
});

it('never waits longer than the window, however many failures', () => {
  assert.equal(signInDelayMs(15, 5, WINDOW), WINDOW);
  assert.equal(signInDelayMs(5000, 5, WINDOW), WINDOW);
  assert.equal(signInDelayMs(5000, 5, 60_000), 60_000);
});
