import { resolve } from 'node:path';
import { ConfigError, loadConfig } from '../config/config.ts';
import { createLogger } from '../config/logger.ts';
import { readLock } from '../db/data-dir-lock.ts';
import { AppError } from '../errors.ts';
import { sendAdminCommand } from './admin-socket.ts';
import { adminCommands } from './admin-commands.ts';
import { openRuntime } from './runtime.ts';

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

function exit(code: number, message?: string): never {
  if (message) process.stderr.write(`tenantdesk: ${message}\n`);
  process.exit(code);
}

/** Reads one raw message on stdin and delivers it, here or in the server holding the embedded database. */
export async function pipeMail(options: { to?: string[] }): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  if (!raw.length) exit(SYSEXITS.DATAERR, 'no message on standard input');
  const command = { raw: raw.toString('base64'), ...(options.to?.length ? { to: options.to } : {}) };
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    exit(error instanceof ConfigError ? SYSEXITS.CONFIG : SYSEXITS.SOFTWARE, (error as Error).message);
  }
  try {
    const holder = config.databaseUrl ? undefined : readLock(resolve(config.dataDir));
    if (holder?.adminSocket) {
      const reply = await sendAdminCommand(holder.adminSocket, 'mail.pipe', command);
      if (reply.error) exit(exitCodeFor(reply.error.code), reply.error.message);
      process.stdout.write(`${reply.output ?? ''}\n`);
      exit(SYSEXITS.OK);
    }
    const rt = await openRuntime(config, createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }));
    try {
      process.stdout.write(`${await adminCommands['mail.pipe']!(rt, command)}\n`);
    } finally {
      await rt.shards.close();
      await rt.database.close();
    }
  } catch (error) {
    exit(error instanceof AppError ? exitCodeFor(error.code) : SYSEXITS.TEMPFAIL, (error as Error).message);
  }
  exit(SYSEXITS.OK);
}
