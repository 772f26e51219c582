import { readFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { quantile } from './stats.ts';

/**
 * Load generation for the flood and soak benchmarks: an open loop (requests start at a fixed rate
 * whether or not earlier ones have answered, so a slow server shows up as latency, not as a lower
 * rate) and a closed loop (N workers, each sending its next request when the last one answered:
 * the capacity). Every request's latency is recorded in the window it started in.
 */

/** One unit of traffic: resolves when it succeeded, throws (with a short reason) when it did not. */
export type Job = { readonly kind: string; run(): Promise<void> };

export type WindowStats = {
  readonly index: number;
  readonly count: number;
  readonly errors: number;
  readonly p50: number;
  readonly p95: number;
  readonly p99: number;
  readonly byKind: Readonly<Record<string, { count: number; p99: number }>>;
};

export type LoadResult = { readonly windows: WindowStats[]; readonly errors: ReadonlyMap<string, number>; readonly seconds: number; readonly completed: number };

class Recorder {
  readonly #windows: { kind: string; ms: number; ok: boolean }[][] = [];
  readonly errors = new Map<string, number>();

  constructor(private readonly started: number, private readonly windowMs: number) {}

  async time(job: Job): Promise<void> {
    const begun = performance.now();
    const window = Math.floor((begun - this.started) / this.windowMs);
    let ok = true;
    try {
      await job.run();
    } catch (error) {
      ok = false;
      const reason = `${job.kind}: ${(error as Error).message}`.slice(0, 200);
      this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
    }
    (this.#windows[window] ??= []).push({ kind: job.kind, ms: performance.now() - begun, ok });
  }

  stats(): WindowStats[] {
    return [...this.#windows].map((samples = [], index) => {
      const sorted = samples.map((s) => s.ms).sort((a, b) => a - b);
      const kinds = new Map<string, number[]>();
      for (const s of samples) kinds.set(s.kind, kinds.get(s.kind) ?? []).get(s.kind)!.push(s.ms);
      const byKind = Object.fromEntries([...kinds].map(([kind, ms]) => [kind, { count: ms.length, p99: quantile(ms.sort((a, b) => a - b), 0.99) }]));
      return { index, count: samples.length, errors: samples.filter((s) => !s.ok).length, p50: quantile(sorted, 0.5), p95: quantile(sorted, 0.95), p99: quantile(sorted, 0.99), byKind };
    });
  }
}

/**
 * Starts `next()` jobs at `rate` per second for `durationMs`; waits for those in flight. A job that
 * cannot start because `maxInFlight` are already waiting is counted as an error ("overloaded"):
 * the server is not keeping up with the rate.
 */
export async function openLoop(options: { rate: number; durationMs: number; windowMs: number; maxInFlight?: number; next: () => Job; onWindow?: (index: number) => void }): Promise<LoadResult> {
  const started = performance.now();
  const recorder = new Recorder(started, options.windowMs);
  const inFlight = new Set<Promise<void>>();
  const maxInFlight = options.maxInFlight ?? 512;
  let sent = 0;
  let window = 0;
  while (performance.now() - started < options.durationMs) {
    const due = Math.floor(((performance.now() - started) / 1000) * options.rate);
    for (; sent < due; sent++) {
      if (inFlight.size >= maxInFlight) {
        recorder.errors.set('overloaded: too many requests in flight', (recorder.errors.get('overloaded: too many requests in flight') ?? 0) + 1);
        continue;
      }
      const p = recorder.time(options.next()).finally(() => inFlight.delete(p));
      inFlight.add(p);
    }
    const now = Math.floor((performance.now() - started) / options.windowMs);
    for (; window < now; window++) options.onWindow?.(window);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await Promise.all(inFlight);
  return { windows: recorder.stats(), errors: recorder.errors, seconds: (performance.now() - started) / 1000, completed: sent };
}

/** `concurrency` workers send jobs back to back for `durationMs`: what the server completes per second. */
export async function closedLoop(options: { concurrency: number; durationMs: number; next: () => Job }): Promise<LoadResult & { perSecond: number }> {
  const started = performance.now();
  const recorder = new Recorder(started, options.durationMs);
  let completed = 0;
  const worker = async () => {
    while (performance.now() - started < options.durationMs) {
      await recorder.time(options.next());
      completed++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return { windows: recorder.stats(), errors: recorder.errors, seconds, completed, perSecond: completed / seconds };
}

/** A keep-alive HTTP client for one server on 127.0.0.1. */
export function httpClient(port: number, maxSockets = 64) {
  const agent = new Agent({ keepAlive: true, maxSockets });
  return {
    /** The answer's status and body; throws on a connection error. */
    send(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> {
      return new Promise((resolve, reject) => {
        const req = request({ host: '127.0.0.1', port, method, path, agent, headers: body === undefined ? headers : { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      });
    },
    close: () => agent.destroy(),
  };
}

export type HttpClient = ReturnType<typeof httpClient>;

/** The resident set size of a process, in MB (Linux /proc). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
