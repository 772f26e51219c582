import { readFileSync } from 'node:fs';
import { isMain, parseArgs } from './support/args.ts';
import { table } from './support/stats.ts';

/**
 * A text summary of a V8 CPU profile (`node --cpu-prof`), to keep in bench/profiles/ instead of the
 * binary: the functions with the most self time, and self time by where the code lives (a package
 * of node_modules, our src/ folders, Node's internals, the garbage collector, idle).
 *
 *   npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 40] [--from US --to US] [--requests N]
 *
 * `--from`/`--to` keep the samples of one window of the process's monotonic clock (microseconds, as
 * `process.hrtime.bigint() / 1000n` reads it in any process of the machine): bench/tickets-http.ts
 * writes each measured run's window into `windows.json` beside the profiles, so start-up and warm-up
 * stay out. `--requests` adds each row's milliseconds per request.
 */
type CallFrame = { functionName: string; url: string; lineNumber: number };
type ProfileNode = { id: number; callFrame: CallFrame; hitCount?: number };
type CpuProfile = { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; startTime: number; endTime: number };

/** Where a frame's code lives: `pkg:name` for node_modules, `src/folder` for ours, else Node's own. */
function placeOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg) return `pkg:${pkg[1]}`;
  const ours = /\/(src|bench|dist\/server)\/([^/]+)/.exec(url);
  if (ours) return ours[1] === 'dist/server' ? 'dist/server' : `${ours[1]}/${ours[2]}`;
  return url.startsWith('node:') ? 'node:internal' : url.replace(/^.*\//, '');
}

export type SummaryOptions = { top?: number; window?: { from: number; to: number }; requests?: number };

export function summarizeProfile(profile: CpuProfile, options: SummaryOptions = {}): string {
  const { top = 40, window, requests } = options;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (window && (at < window.from || at > window.to)) return;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const idle = [...self].filter(([id]) => byId.get(id)!.callFrame.functionName === '(idle)').reduce((a, [, t]) => a + t, 0);
  const busy = total - idle;
  const functions = new Map<string, number>();
  const places = new Map<string, number>();
  for (const [id, us] of self) {
    const frame = byId.get(id)!.callFrame;
    if (frame.functionName === '(idle)') continue;
    const file = frame.url.replace(/^.*node_modules\//, '').replace(/^.*\/(src|bench|dist)\//, '$1/');
    const key = `${frame.functionName || '(anonymous)'} ${file ? `${file}:${frame.lineNumber + 1}` : ''}`.trim();
    functions.set(key, (functions.get(key) ?? 0) + us);
    places.set(placeOf(frame), (places.get(placeOf(frame)) ?? 0) + us);
  }
  const perRequest = (us: number) => (requests ? [(us / 1000 / requests).toFixed(3)] : []);
  const rows = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, (us / 1000).toFixed(0), ((us / busy) * 100).toFixed(1), ...perRequest(us)]);
  const columns = ['self ms', '% of busy', ...(requests ? ['ms / request'] : [])];
  const span = window ? (window.to - window.from) / 1e6 : (profile.endTime - profile.startTime) / 1e6;
  return [
    `Profile of ${span.toFixed(1)} s${window ? ' (the measured run only)' : ''}: ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle` +
      (requests ? `, ${requests} requests, ${(busy / 1000 / requests).toFixed(2)} ms busy per request.` : '.'),
    '',
    'Self time by place:',
    '',
    table(['place', ...columns], rows(places, 25)),
    '',
    `Top ${top} functions by self time:`,
    '',
    table(['function', ...columns], rows(functions, top)),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const file = process.argv.slice(2).find((a) => a.endsWith('.cpuprofile'));
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 40] [--from US --to US] [--requests N]');
  const args = parseArgs();
  const [from, to, requests] = [args.int('from', 0), args.int('to', 0), args.int('requests', 0)];
  const summary = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, {
    top: args.int('top', 40),
    ...(to ? { window: { from, to } } : {}),
    ...(requests ? { requests } : {}),
  });
  console.log(summary);
}
