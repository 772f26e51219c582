/** Axis arithmetic for the hand-made SVG charts. */

/** The smallest "round" number (1, 2 or 5 times a power of ten) at or above `value`; at least 1. */
export function niceCeiling(value: number): number {
  if (value <= 1) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  const step = [1, 2, 5, 10].find((m) => m * power >= value)!;
  return step * power;
}

/** Evenly spaced whole-number ticks from 0 to `max` (a nice ceiling), at most `count` + 1 of them. */
export function ticks(max: number, count = 4): number[] {
  const step = Math.max(1, Math.ceil(max / count));
  const values: number[] = [];
  for (let v = 0; v <= max; v += step) values.push(v);
  return values;
}

/** Every n-th label of `total`, so that about `wanted` of them fit along an axis. */
export const labelEvery = (total: number, wanted = 10) => Math.max(1, Math.ceil(total / wanted));
