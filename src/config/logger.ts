import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

const OPTIONS = { base: { app: 'tenantdesk' } };

/** JSON lines to stdout, or to `destination` (a CLI command run in a test writes where the test reads). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({ ...OPTIONS, level: config.logLevel }, destination);
}

/**
 * The server's logger: on a terminal (LOG_FORMAT=auto) each entry is one coloured line for a person
 * to read; anywhere else JSON lines, for a log collector.
 */
export async function createServerLogger(config: Pick<Config, 'logLevel' | 'logFormat'>): Promise<Logger> {
  const pretty = config.logFormat === 'pretty' || (config.logFormat === 'auto' && process.stdout.isTTY === true);
  if (!pretty) return createLogger(config);
  // Loaded only for a terminal, and written in this thread (sync): no worker thread for a person's screen.
  const { default: prettyStream } = await import('pino-pretty');
  return pino({ ...OPTIONS, level: config.logLevel }, prettyStream({ sync: true, singleLine: true, colorize: process.stdout.isTTY === true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,app' }));
}
