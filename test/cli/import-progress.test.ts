import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { it } from 'node:test';
import { tableProgress } from '../../src/cli/import-commands.ts';

const stream = (isTTY: boolean) => {
  const out = { text: '' };
  const writable = Object.assign(new Writable({ write: (chunk: Buffer, _e, done) => ((out.text += chunk.toString()), done()) }), { isTTY });
  return { writable, out };
};

it('draws rows and rate per table on a terminal, one line each', () => {
  const { writable, out } = stream(true);
  const progress = tableProgress(writable)!;
  progress('departments', 1, 2);
  progress('departments', 2, 2);
  progress('tickets', 3, 3);
  const lines = out.text.split('\n').filter(Boolean).map((l) => l.split('\r').filter(Boolean).at(-1)!.trim());
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /^departments: 2\/2 rows, \d+ rows\/s$/);
  assert.match(lines[1]!, /^tickets: 3\/3 rows, \d+ rows\/s$/);
});

it('is quiet when stderr is not a terminal', () => {
  assert.equal(tableProgress(stream(false).writable), undefined);
});
