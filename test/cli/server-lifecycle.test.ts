import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { adminSocketPath, sendAdminCommand } from '../../src/cli/admin-socket.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { bin, cleanEnv, root, runInProcess } from '../support/cli.ts';
import { freePort } from '../support/net.ts';

/**
 * The server as a person runs it: `node bin/tenantdesk.js start|serve` in its own process, on a
 * fresh data directory, probed over HTTP on 127.0.0.1 and through its admin socket.
 */
const DEMO_HOSTS = { 'desk.localhost': 'northwind', 'acme.localhost': 'acme', 'acme-eu.localhost': 'acme-eu', 'globex.localhost': 'globex' } as const;

type Exit = { code: number | null; signal: NodeJS.Signals | null };
type LogRecord = { msg?: unknown; signal?: unknown; req?: { url?: unknown } };

const children = new Set<ChildProcess>();

/** One `tenantdesk` process with its output collected; `exited` settles when it is gone. */
class Tenantdesk {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';

  constructor(args: string[], vars: Record<string, string>) {
    this.child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cleanEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(this.child);
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        children.delete(this.child);
        resolve({ code, signal });
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Polls `check` until true; fails at once, with the process's output, if the process exits first. */
  async until(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 180_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (await check()) return;
      if (!this.running) assert.fail(`the process exited (${this.child.exitCode ?? this.child.signalCode}) before ${what}; stderr: ${this.stderr}`);
      if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}; stdout: ${this.stdout} stderr: ${this.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The JSON log lines written so far (a line still being written is left for the next look). */
  logs(): LogRecord[] {
    return this.stdout
      .split('\n')
      .slice(0, -1)
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogRecord);
  }

  logged(msg: string): boolean {
    return this.logs().some((record) => record.msg === msg);
  }

  async exit(timeoutMs = 60_000): Promise<Exit> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the process did not exit within ${timeoutMs} ms; stderr: ${this.stderr}`)), timeoutMs);
    });
    try {
      return await Promise.race([this.exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** A server process, ready once it listens on HTTP and has published its admin socket in the lock file. */
async function startServer(command: 'start' | 'serve', dataDir: string, vars: Record<string, string> = {}): Promise<{ server: Tenantdesk; port: number }> {
  const port = await freePort();
  const server = new Tenantdesk([command], { DATA_DIR: dataDir, PORT: String(port), ...vars });
  await server.until('the server to be ready', () => lockHolder(dataDir)?.pid === server.child.pid && existsSync(adminSocketPath(dataDir)));
  return { server, port };
}

function lockHolder(dataDir: string): { pid: number; adminSocket?: string } | undefined {
  try {
    const holder = JSON.parse(readFileSync(join(dataDir, 'tenantdesk.lock'), 'utf8')) as { pid: number; adminSocket?: string };
    return holder.adminSocket ? holder : undefined;
  } catch {
    return undefined;
  }
}

async function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<{ status: number; body: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as unknown) : undefined }));
    });
    req.on('error', reject);
    req.end();
  });
}

async function tenantList(dataDir: string): Promise<string> {
  const reply = await sendAdminCommand(adminSocketPath(dataDir), 'tenant.list', {});
  assert.equal(reply.error, undefined);
  return reply.output!;
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

const dataDirs: string[] = [];
function freshDataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenantdesk-lifecycle-'));
  dataDirs.push(dir);
  return dir;
}

after(() => {
  for (const child of children) child.kill('SIGKILL');
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

// Each suite has its own data directory and mostly waits for its server, so the two run side by
// side; the tests inside each suite run in order.
describe('the tenantdesk server process', { concurrency: true }, () => {
  describe('tenantdesk start on an empty data directory, then again on the same one', { concurrency: 1 }, () => {
    let dataDir: string;
    let first: Tenantdesk;
    let port: number;
    let listAtShutdown: string;

    before(async () => {
      dataDir = freshDataDir();
      // info, to see what start-up did (migrations, demo) and when a request arrives; a shutdown
      // timeout long enough for a slow machine to finish the request held in flight below.
      ({ server: first, port } = await startServer('start', dataDir, { LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '60000' }));
      await first.until('the demo banner', () => first.stdout.includes('Readiness:'));
    });

    it('migrates, seeds the demo and prints its hosts and logins', () => {
      assert.ok(first.logged('migrations applied'), 'the migrations were applied');
      assert.ok(first.logged('demo tenants seeded'), 'the demo was seeded');
      for (const host of Object.keys(DEMO_HOSTS)) assert.ok(first.stdout.includes(`http://${host}:${port}/`), `the banner lists ${host}`);
      for (const login of ['admin@northwind.test', 'agent@northwind.test', 'agent@acme.test', 'customer@acme.test', 'agent@acme-eu.test', 'customer@acme-eu.test', 'agent@globex.test', 'customer@globex.test']) {
        assert.ok(first.stdout.includes(login), `the banner lists ${login}`);
      }
      assert.ok(first.stdout.includes(DEMO_PASSWORD));
      assert.equal(first.stderr, '');
    });

    it('answers /healthz, and /readyz as ready with no pending migrations', async () => {
      assert.deepEqual(await get(port, '/healthz'), { status: 200, body: { status: 'ok' } });
      assert.deepEqual(await get(port, '/readyz', 'acme.localhost'), { status: 200, body: { status: 'ready', database: 'pglite', pendingMigrations: [], mailQuarantine: 0 } });
    });

    it('serves each demo tenant at its own host, and no tenant at an unknown host', async () => {
      for (const [host, slug] of Object.entries(DEMO_HOSTS)) {
        const { status, body } = await get(port, '/api/v1/tenant', `${host}:${port}`);
        assert.equal(status, 200, host);
        assert.deepEqual({ slug: (body as { slug: string }).slug, serviceProvider: (body as { serviceProvider: boolean }).serviceProvider }, { slug, serviceProvider: slug === 'northwind' });
      }
      const unknown = await get(port, '/api/v1/tenant', 'initech.localhost');
      assert.equal(unknown.status, 404);
      assert.equal((unknown.body as { error: { code: string } }).error.code, 'UNKNOWN_HOST');
    });

    it('refuses a second server on the same data directory with one line, and the first keeps serving', async () => {
      const second = new Tenantdesk(['serve'], { DATA_DIR: dataDir, PORT: String(await freePort()) });
      const exit = await second.exit(180_000);
      assert.notEqual(exit.code, 0);
      const lines = second.stderr.split('\n').filter(Boolean);
      assert.equal(lines.length, 1, `one line on stderr, got:\n${second.stderr}`);
      assert.match(lines[0]!, new RegExp(`^tenantdesk: .*${dataDir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}.* in use by process ${first.child.pid}\\b`));
      assert.equal(second.stdout, '');

      assert.ok(first.running);
      assert.equal(lockHolder(dataDir)?.pid, first.child.pid, 'the lock still names the first server');
      assert.deepEqual(await get(port, '/api/v1/tenant', 'acme.localhost'), { status: 200, body: { slug: 'acme', name: 'Acme Corporation', serviceProvider: false, branding: { primaryColor: '#b3261e' } } });
      assert.match(await tenantList(dataDir), /^acme\t/m, 'the first server still takes admin commands');
    });

    it('on SIGTERM lets a request in flight finish, answers new ones 503, then exits 0 and removes its lock and socket', async () => {
      // A change only this data directory has, so the restart below shows the data was kept, not re-seeded.
      assert.equal((await sendAdminCommand(adminSocketPath(dataDir), 'tenant.suspend', { slug: 'globex' })).output, 'Tenant globex is now suspended.');
      listAtShutdown = await tenantList(dataDir);

      // A sign-in whose body is only half sent: the server has the request but cannot answer it yet.
      const body = JSON.stringify({ email: 'agent@acme.test', password: DEMO_PASSWORD });
      const client = connect(port, '127.0.0.1');
      let response = '';
      client.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
      const responded = new Promise<void>((resolve, reject) => client.once('close', () => resolve()).once('error', reject));
      client.write(
        `POST /api/v1/auth/login HTTP/1.1\r\nHost: acme.localhost\r\nContent-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body.slice(0, 12)}`,
      );
      await first.until('the server to receive the sign-in', () => first.logs().some((r) => r.msg === 'incoming request' && r.req?.url === '/api/v1/auth/login'));

      first.child.kill('SIGTERM');
      await first.until('the shutdown to begin', () => first.logs().some((r) => r.msg === 'shutting down' && r.signal === 'SIGTERM'));
      const refused = await get(port, '/api/v1/tenant', 'acme.localhost');
      assert.equal(refused.status, 503, 'a new request is refused while the one in flight finishes');
      assert.equal((refused.body as { error: { code: string } }).error.code, 'SHUTTING_DOWN');
      assert.ok(first.running, 'still running while the request is in flight');
      assert.equal(response, '', 'not answered before its body arrived');

      // Meanwhile the admin socket is closed but the data directory still held: a command says so in one line.
      // Run through the CLI's program in this process: the test's process is as foreign to the server as a CLI's.
      const command = await runInProcess(['tenant', 'list'], { DATA_DIR: dataDir });
      assert.notEqual(command.code, 0);
      assert.match(command.stderr, new RegExp(`^tenantdesk: The server \\(process ${first.child.pid}\\) .* does not answer .*\n$`));
      assert.ok(first.running);

      // write, not end: a client that half-closes its side has abandoned the request, and is treated so.
      client.write(body.slice(12));
      await responded;
      assert.match(response, /^HTTP\/1\.1 200 /);
      assert.match(response, /^set-cookie: /im, 'the sign-in completed with a session');
      assert.ok(response.endsWith('{"ok":true}'), response);

      assert.deepEqual(await first.exit(), { code: 0, signal: null });
      assert.ok(await refusesConnections(port), 'the listener is closed');
      assert.equal(first.stderr, '');
      assert.equal(existsSync(join(dataDir, 'tenantdesk.lock')), false, 'the lock file is removed');
      assert.equal(existsSync(adminSocketPath(dataDir)), false, 'the admin socket is removed');
    });

    it('started again, keeps the data, does not seed the demo again, and exits 0 on SIGINT', async () => {
      const { server: again, port: againPort } = await startServer('start', dataDir, { LOG_LEVEL: 'info' });
      assert.equal(await tenantList(dataDir), listAtShutdown);
      assert.match(listAtShutdown, /^globex\tGlobex\tsuspended\t/m);
      const globex = await get(againPort, '/api/v1/tenant', 'globex.localhost');
      assert.equal(globex.status, 403);
      assert.equal((globex.body as { error: { code: string } }).error.code, 'TENANT_SUSPENDED');
      assert.equal((await get(againPort, '/api/v1/tenant', 'acme-eu.localhost')).status, 200);
      assert.equal(again.logged('demo tenants seeded'), false, 'the demo is not seeded again');
      // At info, requests write no line of their own: a terminal shows what an operator must see.
      assert.equal(again.logs().filter((r) => r.msg === 'incoming request' || r.msg === 'request completed').length, 0);
      await again.until('the demo banner', () => again.stdout.includes('Readiness:'));

      again.child.kill('SIGINT');
      assert.deepEqual(await again.exit(), { code: 0, signal: null });
      assert.ok(again.logs().some((r) => r.msg === 'shutting down' && r.signal === 'SIGINT'));
      assert.equal(again.stderr, '');
      assert.equal(existsSync(join(dataDir, 'tenantdesk.lock')), false);
      assert.equal(existsSync(adminSocketPath(dataDir)), false);
    });
  });

  describe('tenantdesk serve on an empty data directory', { concurrency: 1 }, () => {
    let dataDir: string;
    let server: Tenantdesk;
    let port: number;

    before(async () => {
      dataDir = freshDataDir();
      ({ server, port } = await startServer('serve', dataDir));
    });

    it('seeds nothing: no tenant, and acme.localhost is an unknown host', async () => {
      assert.equal(await tenantList(dataDir), 'slug\tname\tstatus\tparent\tservice-provider\thosts');
      const acme = await get(port, '/api/v1/tenant', 'acme.localhost');
      assert.equal(acme.status, 404);
      assert.equal((acme.body as { error: { code: string } }).error.code, 'UNKNOWN_HOST');
      assert.deepEqual(await get(port, '/readyz', 'acme.localhost'), { status: 200, body: { status: 'ready', database: 'pglite', pendingMigrations: [], mailQuarantine: 0 } });
      assert.ok(!server.stdout.includes(DEMO_PASSWORD), 'no demo banner');
    });

    it('after a crash, starts again over the lock and socket the dead process left, keeping its data', async () => {
      assert.equal((await sendAdminCommand(adminSocketPath(dataDir), 'tenant.create', { slug: 'initech', name: 'Initech', host: ['initech.localhost'] })).error, undefined);
      server.child.kill('SIGKILL');
      assert.equal((await server.exit()).signal, 'SIGKILL');
      assert.ok(existsSync(join(dataDir, 'tenantdesk.lock')) && existsSync(adminSocketPath(dataDir)), 'a crash leaves both behind');

      const restarted = await startServer('serve', dataDir);
      assert.equal(await get(restarted.port, '/api/v1/tenant', 'initech.localhost').then((r) => r.status), 200);
      assert.match(await tenantList(dataDir), /^initech\tInitech\tactive\t-\tyes\tinitech\.localhost$/m);

      restarted.server.child.kill('SIGTERM');
      assert.deepEqual(await restarted.server.exit(), { code: 0, signal: null });
      assert.equal(restarted.server.stderr, '');
      assert.equal(existsSync(join(dataDir, 'tenantdesk.lock')), false);
      assert.equal(existsSync(adminSocketPath(dataDir)), false);
    });
  });
});
