import { resolve } from 'node:path';
import { readLock } from '../db/data-dir-lock.ts';
import { AppError } from '../errors.ts';
import { openCommandRuntime, type CliIo } from './io.ts';

/**
 * Exit codes of `tenantdesk mail pipe`, from sysexits.h: what an MTA running us from an alias
 * understands. 75 makes it keep the message and try again; 65 and 67 make it bounce.
 */
export const SYSEXITS = { OK: 0, DATAERR: 65, NOUSER: 67, SOFTWARE: 70, TEMPFAIL: 75, CONFIG: 78 } as const;

/** The exit code for an error the pipeline answered with (by its code). */
export function exitCodeFor(code: string): number {
  if (code === 'NOT_FOUND') return SYSEXITS.NOUSER;
  if (code === 'VALIDATION_FAILED' || code === 'PAYLOAD_TOO_LARGE') return SYSEXITS.DATAERR;
  // The database, a tenant being moved, anything unexpected: the MTA keeps the message and retries.
  return SYSEXITS.TEMPFAIL;
}

/** What became of the message: the exit code, and what to print on stdout and on stderr. */
type Outcome = { code: number; stdout?: string; message?: string };

/** Reads one raw message on stdin and delivers it, here or in the server holding the embedded database. */
export async function pipeMail(io: CliIo, options: { to?: string[] }): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(Buffer.from(chunk));
  const outcome = await deliver(io, Buffer.concat(chunks), options);
  if (outcome.stdout !== undefined) io.stdout.write(`${outcome.stdout}\n`);
  if (outcome.message) io.stderr.write(`tenantdesk: ${outcome.message}\n`);
  io.exit(outcome.code);
}

// Every way out is an exit code an MTA understands: whatever goes wrong is caught here.
async function deliver(io: CliIo, raw: Buffer, options: { to?: string[] }): Promise<Outcome> {
  if (!raw.length) return { code: SYSEXITS.DATAERR, message: 'no message on standard input' };
  const command = { raw: raw.toString('base64'), ...(options.to?.length ? { to: options.to } : {}) };
  const { ConfigError, loadConfig } = await import('../config/config.ts');
  let config;
  try {
    config = loadConfig(io.env);
  } catch (error) {
    return { code: error instanceof ConfigError ? SYSEXITS.CONFIG : SYSEXITS.SOFTWARE, message: (error as Error).message };
  }
  try {
    const holder = config.databaseUrl ? undefined : readLock(resolve(config.dataDir));
    if (holder?.adminSocket) {
      const { sendAdminCommand } = await import('./admin-socket.ts');
      const reply = await sendAdminCommand(holder.adminSocket, 'mail.pipe', command);
      return reply.error ? { code: exitCodeFor(reply.error.code), message: reply.error.message } : { code: SYSEXITS.OK, stdout: reply.output ?? '' };
    }
    const { adminCommands } = await import('./admin-commands.ts');
    const rt = await openCommandRuntime(io, config);
    try {
      return { code: SYSEXITS.OK, stdout: await adminCommands['mail.pipe']!(rt, command) };
    } finally {
      await rt.shards.close();
      await rt.database.close();
    }
  } catch (error) {
    return { code: error instanceof AppError ? exitCodeFor(error.code) : SYSEXITS.TEMPFAIL, message: (error as Error).message };
  }
}
