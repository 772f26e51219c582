import { randomFillSync } from 'node:crypto';

/*
 * Time-ordered ids (UUID version 7, RFC 9562): 48 bits of milliseconds, then a 12-bit counter that
 * keeps the ids of one millisecond in the order this process made them, then 62 random bits. For
 * rows listed in creation order by (created_at, id): PGlite's clock has millisecond resolution, so
 * rows written in the same millisecond (a ticket's status and assignment events) tie on created_at,
 * and a random id would order them at random.
 */
let lastMs = 0;
let counter = 0;

// Random bytes drawn from the system a pool at a time, as crypto.randomUUID does: one getrandom call
// per id cost more than the rest of making it (ids are made for every message and thread entry).
const POOL_IDS = 256;
const pool = Buffer.alloc(16 * POOL_IDS);
let pooled = POOL_IDS;

/** 16 fresh random bytes, the caller's to change: each slot of the pool is handed out once. */
function randomSlot(): Buffer {
  if (pooled === POOL_IDS) {
    randomFillSync(pool);
    pooled = 0;
  }
  return pool.subarray(16 * pooled, 16 * ++pooled);
}

export function orderedId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4,096 ids in one millisecond: borrow the next one, order first.
    lastMs++;
    counter = 0;
  }
  const bytes = randomSlot();
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
