import { createServer, request, type Server, type ServerResponse } from 'node:http';
import { chmodSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { AppError } from '../errors.ts';
import type { AdminOptions } from './admin-commands.ts';
import type { Runtime } from './runtime.ts';

/**
 * While a server holds the embedded database, CLI commands reach it through a Unix socket in the
 * data directory (readable by the owning user only) and run inside the server's process.
 */
export const adminSocketPath = (dataDir: string) => join(resolve(dataDir), 'admin.sock');

const ADMIN_COMMAND_TIMEOUT_MS = 5 * 60_000;

type Reply = { output?: string; error?: { code: string; message: string; field?: string } };

export async function listenAdminSocket(rt: Runtime): Promise<Server> {
  // Loaded here: the CLI imports this module only to send commands, which needs none of them.
  const [{ adminCommands }, { toAppError }] = await Promise.all([import('./admin-commands.ts'), import('../http/error-reply.ts')]);
  const path = adminSocketPath(rt.config.dataDir);
  rmSync(path, { force: true });
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', async () => {
      let reply: Reply;
      try {
        const { command, options } = JSON.parse(body) as { command: string; options: AdminOptions };
        if (command === 'tenant.export') return await streamExport(rt, String(options.slug), res);
        const run = adminCommands[command];
        if (!run) throw new AppError('NOT_FOUND', `No admin command "${command}".`);
        reply = { output: await run(rt, options) };
      } catch (error) {
        const appError = toAppError(error);
        if (appError.status >= 500) rt.log.error({ err: error }, 'admin command failed');
        reply = appError.toJSON();
      }
      res.setHeader('content-type', 'application/json').end(JSON.stringify(reply));
    });
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(path, ok));
  chmodSync(path, 0o600);
  rt.database.setAdminSocket(path);
  return server;
}

/** An archive is streamed as the answer itself; an error before its first byte is a JSON reply. */
async function streamExport(rt: Runtime, slug: string, res: ServerResponse): Promise<void> {
  const { exportTenant } = await import('../tenancy/placement/export-tenant.ts');
  if (!rt.catalog.snapshot().bySlug.has(slug)) throw new AppError('NOT_FOUND', `No tenant "${slug}".`, 'tenant');
  res.setHeader('content-type', 'application/gzip');
  try {
    await exportTenant(rt.shards, rt.catalog, slug, res, { dataDir: rt.config.dataDir });
    res.end();
  } catch (error) {
    rt.log.error({ err: error }, 'tenant export failed');
    // The client sees the answer cut short and says the archive is incomplete.
    res.destroy(error as Error);
  }
}

/**
 * Runs `tenant.export` in the server and copies the archive it streams to `out`. Resolves with
 * an error reply, or undefined once the whole archive arrived.
 */
export async function receiveExport(socketPath: string, slug: string, out: NodeJS.WritableStream): Promise<Reply | undefined> {
  return new Promise((ok, fail) => {
    const req = request({ socketPath, path: '/', method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      if (!String(res.headers['content-type']).startsWith('application/gzip')) {
        let body = '';
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => ok(JSON.parse(body) as Reply));
        return;
      }
      res.on('error', () => undefined);
      res.on('close', () => (res.complete ? ok(undefined) : fail(new Error('the server stopped sending the archive before its end; it is incomplete'))));
      res.pipe(out, { end: false });
    });
    req.on('error', fail);
    req.end(JSON.stringify({ command: 'tenant.export', options: { slug } }));
  });
}

export async function sendAdminCommand(socketPath: string, command: string, options: AdminOptions): Promise<Reply> {
  return new Promise((ok, fail) => {
    // agent: false, here and for exports: a connection of its own per command, never a kept-alive one
    // that the server may be closing as an idle connection while the command goes out on it.
    const req = request({ socketPath, path: '/', method: 'POST', headers: { 'content-type': 'application/json' }, agent: false }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => ok(JSON.parse(body) as Reply));
    });
    req.on('error', fail);
    // A hung server must not hang the CLI: give up, clearly, after ADMIN_COMMAND_TIMEOUT_MS.
    req.setTimeout(ADMIN_COMMAND_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${ADMIN_COMMAND_TIMEOUT_MS / 1000} s`)));
    req.end(JSON.stringify({ command, options }));
  });
}
