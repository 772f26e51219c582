import type { Writable } from 'node:stream';
import type { Config } from '../config/config.ts';
import type { Runtime } from './runtime.ts';

/**
 * What a command reads (environment, stdin) and writes, and how it ends. `tenantdesk` runs with
 * the process's own; the tests drive the same program in their own process with a caller's, so a
 * command's logic is checked without paying for a process each time.
 */
export type CliIo = {
  readonly env: NodeJS.ProcessEnv;
  readonly stdin: NodeJS.ReadableStream & { readonly isTTY?: boolean };
  readonly stdout: Writable & { readonly isTTY?: boolean };
  readonly stderr: Writable & { readonly isTTY?: boolean };
  /** Ends the command with this exit code; it does not return. */
  exit(code: number): never;
};

export const processIo: CliIo = {
  env: process.env,
  stdin: process.stdin,
  stdout: process.stdout,
  stderr: process.stderr,
  exit: (code) => process.exit(code),
};

/** The runtime of one command: a logger quieter than a server's, writing where the command writes. */
export async function openCommandRuntime(io: CliIo, config: Config): Promise<Runtime> {
  const [{ createLogger }, { openRuntime }] = await Promise.all([import('../config/logger.ts'), import('./runtime.ts')]);
  return openRuntime(config, createLogger({ logLevel: config.logLevel === 'info' ? 'warn' : config.logLevel }, io.stdout), 'command');
}
