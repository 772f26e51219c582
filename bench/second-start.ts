import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { buildWhatChanged } from '../scripts/build.mjs';
import { freePort } from '../test/support/net.ts';
import { parseArgs } from './support/args.ts';

/**
 * How long a second `npm start` takes to be ready (the demo's embedded database already made, the
 * build current), and where the time goes: `npm start` itself is run, as a person runs it, `--runs`
 * times; for each, the wall time from spawning npm to /readyz answering, the CPU time the server
 * process had used by then (a steadier figure than wall time on a shared machine), and the server's
 * own split (its debug line "start-up times": modules loaded and configuration read, database opened
 * and its migrations checked, app built and listening). The build check alone is timed in this
 * process first.
 *
 *   npm run bench:second-start [-- --runs 3]
 */
const REPO = fileURLToPath(new URL('..', import.meta.url));
const runs = parseArgs().int('runs', 3);

const ticks = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10; // utime + stime, in ms at 100 Hz
};

/** The server under `npm start`: npm's descendant node process running scripts/start.mjs. */
function serverPid(root: number): number | undefined {
  const children = (pid: number): number[] =>
    readdirSync(`/proc/${pid}/task`).flatMap((task) => readFileSync(`/proc/${pid}/task/${task}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number));
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift()!;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      // Not the shell npm runs the script in (`sh -c "node … scripts/start.mjs start"`), whose line names it too.
      if (pid !== root && /(^|\/)node$/.test(argv[0]!) && argv.includes('scripts/start.mjs')) return pid;
      queue.push(...children(pid));
    } catch {
      // Gone meanwhile.
    }
  }
  return undefined;
}

async function npmStart(dataDir: string) {
  const port = await freePort();
  const started = performance.now();
  const npm: ChildProcess = spawn('npm', ['start'], {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'debug', npm_config_update_notifier: 'false' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let split: Record<string, number> | undefined;
  createInterface({ input: npm.stdout! }).on('line', (line) => {
    if (line.includes('"start-up times"')) split = (JSON.parse(line) as { startMs: Record<string, number> }).startMs;
  });
  const exited = new Promise<void>((resolve) => npm.once('exit', () => resolve()));
  for (;;) {
    if (npm.exitCode !== null) throw new Error(`npm start exited (${npm.exitCode}) before it was ready`);
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  const readyMs = performance.now() - started;
  const server = serverPid(npm.pid!);
  const cpuMs = server ? ticks(server) : NaN;
  while (!split) await new Promise((resolve) => setTimeout(resolve, 20));
  if (server) process.kill(server, 'SIGTERM');
  await exited;
  // The embedded database is free once the server itself has gone.
  while (server && existsSync(`/proc/${server}`)) await new Promise((resolve) => setTimeout(resolve, 50));
  return { readyMs, cpuMs, split };
}

const checkStarted = performance.now();
await buildWhatChanged();
const firstCheckMs = performance.now() - checkStarted;
const cpuBefore = process.cpuUsage();
const checkAgain = performance.now();
await buildWhatChanged();
const checkMs = performance.now() - checkAgain;
const checkCpu = process.cpuUsage(cpuBefore);

const dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-second-start-'));
try {
  const first = await npmStart(dataDir);
  console.log(`### Second start of npm start, ${new Date().toISOString().slice(0, 16)}Z, load average ${loadavg()[0]!.toFixed(1)}`);
  console.log(`The build check when current: ${checkMs.toFixed(0)} ms (${((checkCpu.user + checkCpu.system) / 1000).toFixed(0)} ms CPU); the first check of this run, which may have built: ${firstCheckMs.toFixed(0)} ms.`);
  console.log(`The first start (database made, demo seeded): ready in ${(first.readyMs / 1000).toFixed(1)} s.`);
  console.log('');
  console.log('| run | ready (wall, from npm start) | server CPU at ready | modules + config | database open + migrations checked | app built + listening |');
  console.log('|---|---|---|---|---|---|');
  for (let run = 1; run <= runs; run++) {
    const { readyMs, cpuMs, split } = await npmStart(dataDir);
    console.log(`| ${run} | ${(readyMs / 1000).toFixed(2)} s | ${(cpuMs / 1000).toFixed(2)} s | ${split.modules} ms | ${split.database} ms | ${split.app} ms |`);
  }
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
