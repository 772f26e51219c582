import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../test/support/net.ts';

/**
 * The real server, `tenantdesk serve` (bin/tenantdesk.js, as an operator starts it), in a child
 * process on 127.0.0.1 ports of its own, configured by environment variables only. Its log (pino
 * JSON on stdout, LOG_LEVEL=warn) is read: every line at level error or above is kept, for the
 * benchmarks to count as errors.
 *
 * `built` runs the bundle `npm start` and `npm serve` run (dist/server/main.mjs, plain Node; built
 * first when its sources changed) instead of the TypeScript through tsx, and `command` picks
 * `start` (demo seeding, as `npm start`) or `serve`.
 */
export type DeskCommand = {
  command?: 'serve' | 'start';
  built?: boolean;
  /** Node's own flags (`--cpu-prof`, which NODE_OPTIONS refuses). */
  nodeArgs?: string[];
  /** Another checkout's built bundle (`<root>/dist/server/main.mjs`, run from `<root>`): an earlier commit, for before/after in one run. */
  bundle?: string;
};
export type DeskProcess = {
  readonly pid: number;
  readonly port: number;
  readonly smtpPort: number;
  /** Log lines at level error (50) or above, and warnings (40), as logged. */
  readonly logged: { errors: string[]; warnings: string[] };
  stop(): Promise<number | null>;
};

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const BIN = fileURLToPath(new URL('../../bin/tenantdesk.js', import.meta.url));
const BUNDLE = fileURLToPath(new URL('../../dist/server/main.mjs', import.meta.url));
const BUILD = fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url));

export async function startDesk(databaseUrl: string, env: Record<string, string> = {}, how: DeskCommand = {}): Promise<DeskProcess> {
  const [port, smtpPort] = [await freePort(), await freePort()];
  if (how.built && spawnSync(process.execPath, [BUILD, '--server'], { cwd: REPO, stdio: 'inherit' }).status !== 0) throw new Error('the server build failed');
  const main = how.bundle ?? (how.built ? BUNDLE : BIN);
  const child: ChildProcess = spawn(process.execPath, [...(how.nodeArgs ?? []), main, how.command ?? 'serve'], {
    cwd: how.bundle ? fileURLToPath(new URL('../..', `file://${how.bundle}`)) : REPO,
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: process.env.HOME ?? '/tmp',
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: String(port),
      SMTP_PORT: String(smtpPort),
      PUBLIC_SCHEME: 'http',
      LOG_LEVEL: 'warn',
      MAIL_SECRET: 'bench-mail-secret-0123456789abcdef0123456789',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logged = { errors: [] as string[], warnings: [] as string[] };
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const level = Number(/"level":(\d+)/.exec(line)?.[1] ?? 0);
    if (level >= 50) logged.errors.push(line.slice(0, 2000));
    else if (level >= 40) logged.warnings.push(line.slice(0, 2000));
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr = (stderr + chunk).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tenantdesk serve exited (${child.exitCode}) before it was ready: ${stderr}`);
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`tenantdesk serve was not ready within 60 s: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return {
    pid: child.pid!,
    port,
    smtpPort,
    logged,
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
