/**
 * How much the resident set of this process grew, at its highest, while `work` ran (sampled every
 * 5 ms) over what it was just before. Tests that serve through `inject` run the server in this
 * process, so this is the server's memory too. Coarse on purpose: it tells megabytes from gigabytes.
 */
export async function peakRssGrowth<T>(work: () => Promise<T>): Promise<{ result: T; growth: number }> {
  const before = process.memoryUsage.rss();
  let peak = before;
  const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 5);
  try {
    const result = await work();
    peak = Math.max(peak, process.memoryUsage.rss());
    return { result, growth: peak - before };
  } finally {
    clearInterval(sample);
  }
}

export const MB = 1024 * 1024;
