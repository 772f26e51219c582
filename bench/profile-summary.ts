import { readFileSync } from 'node:fs';
import { isMain, parseArgs } from './support/args.ts';
import { table } from './support/stats.ts';

/**
 * A text summary of a V8 CPU profile (`node --cpu-prof`), to keep in bench/profiles/ instead of the
 * binary: the functions with the most self time, and self time by where the code lives (a package
 * of node_modules, our src/ folders, Node's internals, the garbage collector, idle).
 *
 *   npx tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 40]
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

export function summarizeProfile(profile: CpuProfile, top = 40): string {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
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
  const rows = (m: Map<string, number>, n: number) =>
    [...m].sort((a, b) => b[1] - a[1]).slice(0, n).map(([k, us]) => [k, (us / 1000).toFixed(0), ((us / busy) * 100).toFixed(1)]);
  return [
    `Profile of ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s: ${(busy / 1000).toFixed(0)} ms busy, ${(idle / 1000).toFixed(0)} ms idle.`,
    '',
    'Self time by place:',
    '',
    table(['place', 'self ms', '% of busy'], rows(places, 25)),
    '',
    `Top ${top} functions by self time:`,
    '',
    table(['function', 'self ms', '% of busy'], rows(functions, top)),
  ].join('\n');
}

if (isMain(import.meta.url)) {
  const file = process.argv.slice(2).find((a) => !a.startsWith('--'));
  if (!file) throw new Error('usage: tsx bench/profile-summary.ts PROFILE.cpuprofile [--top 40]');
  console.log(summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile, parseArgs().int('top', 40)));
}
