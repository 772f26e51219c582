import { randomBytes } from 'node:crypto';

/*
 * Time-ordered ids (UUID version 7, RFC 9562): 48 bits of milliseconds, then a 12-bit counter that
 * keeps the ids of one millisecond in the order this process made them, then 62 random bits. For
 * rows listed in creation order by (created_at, id): PGlite's clock has millisecond resolution, so
 * rows written in the same millisecond (a ticket's status and assignment events) tie on created_at,
 * and a random id would order them at random.
 */
let lastMs = 0;
let counter = 0;

export function orderedId(now = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    counter = 0;
  } else if (++counter > 0xfff) {
    // More than 4,096 ids in one millisecond: borrow the next one, order first.
    lastMs++;
    counter = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes[6] = 0x70 | (counter >> 8);
  bytes[7] = counter & 0xff;
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
