import { pino, type DestinationStream, type Logger } from 'pino';
import type { Config } from './config.ts';

export type { Logger };

/** Logs to stdout, or to `destination` (a CLI command run in a test writes where the test reads). */
export function createLogger(config: Pick<Config, 'logLevel'>, destination?: DestinationStream): Logger {
  return pino({ level: config.logLevel, base: { app: 'tenantdesk' } }, destination);
}
