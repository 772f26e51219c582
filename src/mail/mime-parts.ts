/**
 * At most this many MIME parts (containers included) are parsed in one message; a message with
 * more is kept in quarantine as it came. Real mail has a few dozen at most; a thousand tiny parts
 * would otherwise cost a thousand attachment files and rows, and parsing time, for one message.
 */
export const MAX_MIME_PARTS = 100;

const BOUNDARY = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;
const DASH_LINE = /^--([^\r\n]*?)[ \t]*\r?$/gm;

/**
 * The number of MIME parts of a raw message, counted without parsing it: one for the message, one
 * per delimiter line (`--boundary`) of a boundary it declares. One pass over the bytes. A boundary
 * string that also occurs in a part's content is counted there too, so the count errs towards
 * refusing, never towards parsing more than the limit.
 */
export function countMimeParts(raw: Buffer): number {
  const text = raw.toString('latin1');
  const boundaries = new Set<string>();
  for (const match of text.matchAll(BOUNDARY)) boundaries.add(match[1] ?? match[2]!);
  if (!boundaries.size) return 1;
  let parts = 1;
  for (const match of text.matchAll(DASH_LINE)) if (boundaries.has(match[1]!)) parts++;
  return parts;
}

/** Why a message is not parsed for its parts (too many of them), or undefined. */
export function tooManyPartsProblem(raw: Buffer): string | undefined {
  const parts = countMimeParts(raw);
  return parts > MAX_MIME_PARTS ? `The message has ${parts} MIME parts, over the limit of ${MAX_MIME_PARTS}; it is kept unparsed.` : undefined;
}
