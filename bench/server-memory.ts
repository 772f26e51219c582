import autocannon from 'autocannon';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { adminSocketPath, sendAdminCommand } from '../src/cli/admin-socket.ts';
import { DEMO_PASSWORD } from '../src/demo/seed-demo.ts';
import { freePort } from '../test/support/net.ts';
import { parseArgs } from './support/args.ts';
import { nodeArgsOf } from './support/start-script.ts';

/**
 * The memory of the server a newcomer starts: `npm start` (its node command and flags as package.json
 * has them, the demo on the embedded database), measured as the kernel counts it (VmRSS), at three moments:
 * after start, after `--tenants` more pool tenants (1,000 by default), and after a load run of
 * `--seconds` of an agent listing tickets at concurrency `--connections`. The time to be ready is
 * printed for the first start (demo seeded) and for a second start on the same data.
 *
 *   npm run bench:memory [-- --tenants 1000 --seconds 10 --connections 8]
 */
const REPO = fileURLToPath(new URL('..', import.meta.url));
const args = parseArgs();
const tenants = args.int('tenants', 1000);
const seconds = args.int('seconds', 10);
const connections = args.int('connections', 8);

const rssMb = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rss: Math.round(kb('VmRSS') / 1024), peak: Math.round(kb('VmHWM') / 1024) };
};

const servers = new Set<ChildProcess>();

async function start(dataDir: string, port: number) {
  const started = performance.now();
  const child = spawn(process.execPath, nodeArgsOf('start'), {
    cwd: REPO,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TENANT_API_RATE: '0' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  servers.add(child);
  child.once('exit', () => servers.delete(child));
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}) before it was ready`);
    if (await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false)) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const readyMs = performance.now() - started;
  // Settled: what a person sees in `ps` a moment after the banner, not the peak of start-up.
  await new Promise((resolve) => setTimeout(resolve, 2000));
  return { child, readyMs, stop: () => new Promise<void>((resolve) => child.once('exit', () => resolve())).then(() => undefined, () => undefined) };
}

/** An agent's session cookie, signed in over HTTP with the desk's Host header (fetch cannot set one). */
function signIn(port: number): Promise<string> {
  const body = JSON.stringify({ email: 'agent@acme.test', password: DEMO_PASSWORD });
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, path: '/api/v1/auth/login', method: 'POST', headers: { host: 'acme.localhost', 'content-type': 'application/json', origin: 'http://acme.localhost' } },
      (res) => {
        res.resume();
        const cookie = (res.headers['set-cookie'] ?? []).find((c) => c.startsWith('td_session='));
        if (res.statusCode === 200 && cookie) resolve(cookie.split(';')[0]!);
        else reject(new Error(`sign-in failed: ${res.statusCode}`));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

// Built before the clock starts: the start script's own check then finds nothing to do.
const build = spawnSync(process.execPath, ['scripts/build.mjs'], { cwd: REPO, stdio: 'inherit' });
if (build.status !== 0) throw new Error('the build failed');
const dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-memory-'));
const port = await freePort();
try {
  const first = await start(dataDir, port);
  const afterStart = rssMb(first.child.pid!);
  const socket = adminSocketPath(dataDir);
  const created = performance.now();
  for (let i = 0; i < tenants; i++) await sendAdminCommand(socket, 'tenant.create', { slug: `mem-${i}`, name: `Memory ${i}`, host: [`mem-${i}.localhost`] });
  const createMs = performance.now() - created;
  await new Promise((resolve) => setTimeout(resolve, 2000));
  const afterTenants = rssMb(first.child.pid!);
  const cookie = await signIn(port);
  const load = await autocannon({ url: `http://127.0.0.1:${port}/api/v1/tickets?limit=50`, headers: { host: 'acme.localhost', cookie }, connections, duration: seconds });
  const afterLoad = rssMb(first.child.pid!);
  const stopped = first.stop();
  first.child.kill('SIGTERM');
  await stopped;
  const second = await start(dataDir, port);
  const secondStart = rssMb(second.child.pid!);
  const stoppedAgain = second.stop();
  second.child.kill('SIGTERM');
  await stoppedAgain;

  const load1 = (await import('node:os')).loadavg()[0]!.toFixed(1);
  console.log(`### Server memory, npm start (node ${nodeArgsOf('start').join(' ')}; demo, embedded database), ${new Date().toISOString().slice(0, 16)}Z, load average ${load1}`);
  console.log('| moment | RSS MB | peak RSS MB | note |');
  console.log('|---|---|---|---|');
  console.log(`| after the first start (demo seeded) | ${afterStart.rss} | ${afterStart.peak} | ready in ${(first.readyMs / 1000).toFixed(1)} s |`);
  console.log(`| after ${tenants} more pool tenants | ${afterTenants.rss} | ${afterTenants.peak} | created in ${(createMs / 1000).toFixed(1)} s |`);
  console.log(`| after ${seconds} s of ticket lists, c=${connections} | ${afterLoad.rss} | ${afterLoad.peak} | ${Math.round(load.requests.average)} req/s, ${load.non2xx} non-2xx, ${load.errors} errors |`);
  console.log(`| after a second start on the same data | ${secondStart.rss} | ${secondStart.peak} | ready in ${(second.readyMs / 1000).toFixed(1)} s |`);
} finally {
  // A failed run leaves no server behind.
  for (const child of servers) child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}
