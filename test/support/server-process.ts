import { spawn, type ChildProcess } from 'node:child_process';
import { request, type Agent, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.ts';

/**
 * `tenantdesk serve` in a process of its own, as it runs in production, for tests and benchmarks
 * that kill it, stop it or take its database away. It listens on 127.0.0.1; `start()` returns
 * once /healthz answers and fails, with the process's output, if it exits first.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const main = join(root, 'src', 'cli', 'main.ts');

export type Exit = { code: number | null; signal: NodeJS.Signals | null };

export class ServerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<Exit>;
  stdout = '';
  stderr = '';

  private constructor(
    readonly port: number,
    env: Record<string, string>,
  ) {
    const base: Record<string, string> = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', HOST: '127.0.0.1', LOG_LEVEL: 'warn', PUBLIC_SCHEME: 'http' };
    this.child = spawn(process.execPath, ['--import', 'tsx', main, 'serve'], { cwd: root, env: { ...base, ...env, PORT: String(port) }, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Starts a server on `port` (a free one by default) and waits until it answers. */
  static async start(env: Record<string, string>, port?: number, timeoutMs = 120_000): Promise<ServerProcess> {
    const server = new ServerProcess(port ?? (await freePort()), env);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!server.running) throw new Error(`the server exited (${(await server.exited).code}) before answering; stderr: ${server.stderr}`);
      const health = await call(server.port, { path: '/healthz' }).catch(() => undefined);
      if (health?.status === 200) return server;
      if (Date.now() > deadline) {
        server.child.kill('SIGKILL');
        throw new Error(`the server did not answer within ${timeoutMs} ms; stderr: ${server.stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Sends `signal` and waits for the exit (SIGKILL again after `timeoutMs`). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 60_000): Promise<Exit> {
    if (!this.running) return this.exited;
    this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The JSON log lines written so far. */
  logs(): Record<string, unknown>[] {
    return this.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }
}

export type Call = { method?: string; path: string; host?: string; headers?: Record<string, string>; body?: unknown; agent?: Agent | false; timeoutMs?: number };
export type Answer = { status: number; headers: IncomingHttpHeaders; body: unknown; text: string };

/** One HTTP request to 127.0.0.1:`port`; a JSON body is sent and parsed as JSON. Rejects on a network error. */
export function call(port: number, c: Call): Promise<Answer> {
  const payload = c.body === undefined ? undefined : JSON.stringify(c.body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method: c.method ?? 'GET',
        path: c.path,
        agent: c.agent ?? false,
        timeout: c.timeoutMs ?? 30_000,
        headers: { host: c.host ?? `127.0.0.1:${port}`, ...(payload ? { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) } : {}), ...c.headers },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
        res.on('error', reject);
        res.on('end', () => {
          let body: unknown = text;
          try {
            body = text ? JSON.parse(text) : undefined;
          } catch {
            // not JSON: kept as text
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body, text });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${c.timeoutMs ?? 30_000} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** `error.code` of an error answer, if it is one. */
export const errorCode = (answer: Answer): string | undefined => (answer.body as { error?: { code?: string } } | undefined)?.error?.code;
