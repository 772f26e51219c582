import pg from 'pg';
import { openRuntime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/config/logger.ts';
import { mailDeps } from '../../src/mail/mail-context.ts';
import { startSmtpListener } from '../../src/mail/smtp-listener.ts';

/**
 * The server side of bench/smtp-intake.ts, in a child process so that the SMTP clients do not share
 * its event loop: TenantDesk's runtime from the environment (DATABASE_URL, MAIL_SECRET, ...) and
 * the SMTP listener started as `src/http/server.ts` starts it when SMTP_PORT is set, on a free port
 * of 127.0.0.1 sent to the parent over IPC. Every statement sent to PostgreSQL is counted (the
 * parent asks for the count with `{type: 'queries'}`), so a run can report round trips per message.
 */
export type SmtpServerReady = { type: 'ready'; port: number };
/** Statements sent so far, and this process's CPU time in ms (user + system). */
export type SmtpServerQueries = { type: 'queries'; count: number; cpuMs: number };

let queries = 0;
const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
pg.Client.prototype.query = function counted(this: pg.Client, ...args: unknown[]) {
  queries++;
  return query.apply(this, args);
} as typeof pg.Client.prototype.query;

const config = loadConfig();
const rt = await openRuntime(config, createLogger(config));
const listener = await startSmtpListener(mailDeps(rt), { port: 0, host: '127.0.0.1' });

const shutdown = async () => {
  await listener.close();
  await rt.shards.close();
  await rt.database.close();
  process.exit(0);
};
process.on('disconnect', () => void shutdown());
process.on('SIGTERM', () => void shutdown());
process.on('message', (message) => {
  if ((message as { type?: string })?.type === 'queries') {
    const cpu = process.cpuUsage();
    process.send!({ type: 'queries', count: queries, cpuMs: (cpu.user + cpu.system) / 1000 } satisfies SmtpServerQueries);
  }
});
process.send!({ type: 'ready', port: listener.port } satisfies SmtpServerReady);
