/**
 * Percentiles that merge across shards. A median of medians is not the median, so each shard sends
 * a histogram of whole minutes (value, count): exact, mergeable by adding counts, and no larger than
 * the number of distinct durations (at most one row per minute of the longest one). The percentile is
 * PostgreSQL's `percentile_cont`: linear interpolation between the two nearest ranks, so a single
 * shard's answer computed in SQL and a merged one agree.
 */
export type Histogram = ReadonlyMap<number, number>;
export type Quantiles = { median: number | null; p90: number | null };

export function mergeHistograms(parts: readonly (readonly { value: number; count: number }[])[]): Map<number, number> {
  const merged = new Map<number, number>();
  for (const part of parts) for (const { value, count } of part) merged.set(Number(value), (merged.get(Number(value)) ?? 0) + Number(count));
  return merged;
}

/** `percentile_cont(p)` over the values the histogram counts; null when it is empty. */
export function percentileCont(histogram: Histogram, p: number): number | null {
  const bins = [...histogram].filter(([, count]) => count > 0).sort(([a], [b]) => a - b);
  const n = bins.reduce((sum, [, count]) => sum + count, 0);
  if (n === 0) return null;
  const position = p * (n - 1);
  const valueAt = (rank: number): number => {
    let seen = 0;
    for (const [value, count] of bins) {
      seen += count;
      if (rank < seen) return value;
    }
    return bins.at(-1)![0];
  };
  const lower = valueAt(Math.floor(position));
  const upper = valueAt(Math.ceil(position));
  return lower + (upper - lower) * (position - Math.floor(position));
}

export function quantiles(histogram: Histogram): Quantiles {
  return { median: percentileCont(histogram, 0.5), p90: percentileCont(histogram, 0.9) };
}
