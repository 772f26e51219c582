import { constants, deflateRawSync, gzipSync } from 'node:zlib';

/*
 * Decompression bombs, made in milliseconds: a run of zeros compressed once and repeated. Deflate
 * segments ended by a sync flush (no final bit) can be laid end to end, and gzip members too, so
 * a 1 MiB piece repeated 2,048 times is a file of about 2 MB that expands to 2 GiB.
 */

const PIECE = 1 << 20;
export const BOMB_EXPANDED_BYTES = 2 ** 31;

/** CRC-32 of `length` zero bytes, by squaring the zero-byte operator (zlib's crc32_combine idea): no 2 GiB pass. */
export function crc32OfZeros(length: number): number {
  const times = (matrix: number[], vector: number) => {
    let sum = 0;
    for (let i = 0; vector; i++, vector >>>= 1) if (vector & 1) sum ^= matrix[i]!;
    return sum >>> 0;
  };
  const square = (matrix: number[]) => matrix.map((row) => times(matrix, row));
  // The register after one zero bit, as the images of its 32 basis bits; cubed-squared to one byte.
  let op = [0xedb88320, ...Array.from({ length: 31 }, (_, i) => (1 << i) >>> 0)];
  for (let i = 0; i < 3; i++) op = square(op);
  let register = 0xffffffff;
  for (let n = length; n > 0; n = Math.floor(n / 2), op = square(op)) if (n % 2) register = times(op, register);
  return ~register >>> 0;
}

/** A ZIP archive of one file, `zeros.bin`, deflated: about 2 MB that unzip to 2 GiB. */
export function zipBomb(): Buffer {
  const piece = deflateRawSync(Buffer.alloc(PIECE), { finishFlush: constants.Z_SYNC_FLUSH });
  const data = Buffer.concat([...Array<Buffer>(BOMB_EXPANDED_BYTES / PIECE).fill(piece), deflateRawSync(Buffer.alloc(0))]);
  const name = Buffer.from('zeros.bin');
  const crc = crc32OfZeros(BOMB_EXPANDED_BYTES);
  // The fields the local header (from offset 4) and the central directory entry (from 6) share.
  const entry = (header: Buffer, at: number) => {
    header.writeUInt16LE(20, at); // version needed
    header.writeUInt16LE(8, at + 4); // deflate
    header.writeUInt16LE(0x21, at + 8); // 1980-01-01
    header.writeUInt32LE(crc, at + 10);
    header.writeUInt32LE(data.length, at + 14);
    header.writeUInt32LE(BOMB_EXPANDED_BYTES, at + 18);
    header.writeUInt16LE(name.length, at + 22);
    return header;
  };
  const local = entry(Buffer.alloc(30), 4);
  local.writeUInt32LE(0x04034b50, 0);
  const central = entry(Buffer.alloc(46), 6);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(20, 4); // version made by
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(central.length + name.length, 12);
  end.writeUInt32LE(local.length + name.length + data.length, 16);
  return Buffer.concat([local, name, data, central, name, end]);
}

/** A gzip file of 2,048 members of 1 MiB of zeros each: about 2 MB that gunzip to 2 GiB. */
export function gzipBomb(): Buffer {
  return Buffer.concat(Array<Buffer>(BOMB_EXPANDED_BYTES / PIECE).fill(gzipSync(Buffer.alloc(PIECE))));
}
