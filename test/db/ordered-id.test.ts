import assert from 'node:assert/strict';
import { it } from 'node:test';
import { orderedId } from '../../src/db/ordered-id.ts';

it('makes version 7 UUIDs that sort in the order they were made, within one millisecond and across', () => {
  const ids = [...Array.from({ length: 5000 }, () => orderedId(1_700_000_000_000)), orderedId(1_700_000_000_001), orderedId(1_700_000_000_500)];
  assert.deepEqual([...ids].sort(), ids, 'byte order (PostgreSQL compares uuids by their bytes) is creation order');
  assert.equal(new Set(ids).size, ids.length);
  for (const id of ids) assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  // A clock that steps back does not reorder them either.
  const later = orderedId(1_600_000_000_000);
  assert.ok(later > ids.at(-1)!);
});
