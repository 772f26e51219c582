import type { FastifyInstance } from 'fastify';
import type { Server } from 'node:http';
import { listenAdminSocket } from '../cli/admin-socket.ts';
import type { Runtime } from '../cli/runtime.ts';
import { demoLogins, DEMO_PASSWORD, seedDemo } from '../demo/seed-demo.ts';
import { reportUntenantedRows } from '../tenancy/untenanted-report.ts';
import { buildApp } from './app.ts';
import { migrateSilos } from '../tenancy/placement/migrate-shards.ts';
import { startBackgroundWork } from '../jobs/background-work.ts';
import { mailDeps } from '../mail/mail-context.ts';
import { createOutbound } from '../net/guarded-connect.ts';
import type { SmtpListener } from '../mail/smtp-listener.ts';
import { metricsRegistry } from '../metrics/runtime-metrics.ts';
import { ApiRateLeases } from '../tenancy/api-rate-leases.ts';
import { startMetricsServer, type MetricsServer } from './metrics-server.ts';

/** `stop()` resolves true when everything in hand finished within the grace period (SHUTDOWN_GRACE_MS). */
export type RunningServer = { app: FastifyInstance; url: string; stop(): Promise<boolean> };

/** Serves HTTP on the runtime; `demo` seeds the demo tenants on first run and prints their logins. */
export async function startServer(rt: Runtime, options: { demo: boolean }): Promise<RunningServer> {
  if (options.demo) {
    if (await seedDemo(rt.shards, rt.settings, rt.log)) rt.log.info('demo tenants seeded');
    await rt.catalog.refresh();
  }
  // Every silo is brought to the current schema before requests reach it; one that fails is logged.
  await migrateSilos(rt.shards, rt.log);
  // Catalog changes made by other processes reach this one as they commit (a no-op embedded).
  rt.catalog.watch(rt.log);
  if (rt.settings.state === 'on') await reportUntenantedRows(rt.database, rt.log);
  const app = await buildApp({
    database: rt.database,
    shards: rt.shards,
    catalog: rt.catalog,
    settings: rt.settings,
    trustProxy: rt.config.trustProxy,
    identity: { sessionTtlMs: rt.config.sessionTtlMs, throttle: rt.config.signInThrottle, publicScheme: rt.config.publicScheme },
    logger: rt.log,
    attachments: { dataDir: rt.config.dataDir, maxBytes: rt.config.attachmentMaxBytes },
    mailSecret: rt.config.mail.secret,
    outbound: createOutbound({ policy: rt.config.outboundPolicy }),
    mailSenderDomains: rt.config.mail.senderDomains,
    rateLeases: new ApiRateLeases(rt.database, { maxLease: rt.config.apiLeaseMax, log: rt.log }),
    ...(rt.config.metrics.port !== undefined ? { metrics: { tenants: rt.config.metrics.tenants } } : {}),
    demo: options.demo,
    lazySchemas: true,
  });
  await app.listen({ port: rt.config.port, host: rt.config.host });
  // Its own port, loopback by default: never one of the app's hosts, which all belong to tenants.
  let metrics: MetricsServer | undefined;
  if (rt.config.metrics.port !== undefined) {
    metrics = await startMetricsServer(metricsRegistry({ database: rt.database, catalog: rt.catalog }), { port: rt.config.metrics.port, host: rt.config.metrics.host });
    rt.log.info({ port: metrics.port, host: rt.config.metrics.host }, 'metrics listener ready');
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : rt.config.port;
  let adminSocket: Server | undefined;
  if (rt.database.kind === 'pglite') adminSocket = await listenAdminSocket(rt);
  // Jobs start once the server is up and stop first: the job in hand finishes before the database closes.
  const jobs = startBackgroundWork(rt);
  // The SMTP receiver only when SMTP_PORT is set; it stops before the database closes, like jobs.
  let smtp: SmtpListener | undefined;
  if (rt.config.mail.smtpPort !== undefined) {
    // Loaded here, with smtp-server: a desk without SMTP_PORT never holds it.
    const { startSmtpListener } = await import('../mail/smtp-listener.ts');
    smtp = await startSmtpListener(mailDeps(rt), { port: rt.config.mail.smtpPort, host: rt.config.mail.smtpHost, closeTimeoutMs: rt.config.shutdownGraceMs });
    rt.log.info({ port: smtp.port, host: rt.config.mail.smtpHost }, 'SMTP listener ready');
  }
  if (options.demo) printDemo(port);
  return {
    app,
    url: `http://127.0.0.1:${port}`,
    // Stops accepting, lets what is in hand finish (for the grace period at most), then closes the database.
    stop: async () => {
      const graceMs = rt.config.shutdownGraceMs;
      adminSocket?.close();
      // From now on a new request is answered 503 SHUTTING_DOWN (the listener stays open until the
      // requests in flight are done, so that a client learns why rather than meet a refused connection).
      app.drain.begin();
      // Live update streams never finish by themselves: they end now, and their clients go elsewhere.
      app.live.closeAll();
      // The job runner stops between jobs (an IMAP fetch between messages), SMTP sessions end or are cut at the grace.
      const [requests, jobsDone] = await Promise.all([app.drain.settled(graceMs), within(jobs.stop(), graceMs), smtp?.close()]);
      if (!requests) {
        rt.log.warn({ inFlight: app.drain.inFlight, graceMs }, 'shutdown: requests still in flight after the grace period are cut off');
        app.server.closeAllConnections();
      }
      if (!jobsDone) rt.log.warn({ graceMs }, 'shutdown: the job in hand outlasted the grace period; it is undone and runs again once its lease expires');
      await app.close();
      await metrics?.close();
      await rt.catalog.close();
      await rt.shards.close();
      await rt.database.close();
      return requests && jobsDone;
    },
  };
}

/** Whether `work` settled within `ms`. */
function within(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    work.then(() => true),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), ms))),
  ]).finally(() => clearTimeout(timer));
}

function printDemo(port: number): void {
  const lines = demoLogins(port).map((l) => `  ${l.url.padEnd(32)} ${l.email.padEnd(26)} ${l.role}`);
  process.stdout.write(
    `\nTenantDesk demo is running. Every demo login has the password "${DEMO_PASSWORD}".\n` +
      `  ${'URL'.padEnd(32)} ${'login'.padEnd(26)} role\n${lines.join('\n')}\n` +
      `Health: http://127.0.0.1:${port}/healthz  Readiness: http://127.0.0.1:${port}/readyz\n\n`,
  );
}
