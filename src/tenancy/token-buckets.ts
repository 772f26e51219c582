/**
 * Token buckets by key (a tenant id), in this process's memory. A bucket holds up to `burst` tokens
 * and gains `rate` per second; a request takes one. O(1) per call: the refill is computed from the
 * time elapsed, no timer runs. Memory is bounded: at most `maxKeys` buckets, the oldest dropped first
 * (a dropped bucket comes back full, which only ever errs towards serving).
 */
export class TokenBuckets {
  readonly #buckets = new Map<number, { tokens: number; at: number }>();

  constructor(private readonly maxKeys = 100_000) {}

  /** Takes a token: 0 when there was one, else the milliseconds until there will be. */
  take(key: number, rate: number, burst: number, now = performance.now()): number {
    let bucket = this.#buckets.get(key);
    if (!bucket) {
      if (this.#buckets.size >= this.maxKeys) this.#buckets.delete(this.#buckets.keys().next().value!);
      bucket = { tokens: burst, at: now };
      this.#buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) * rate) / 1000);
      bucket.at = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return ((1 - bucket.tokens) * 1000) / rate;
  }

  get size(): number {
    return this.#buckets.size;
  }
}
