import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { SMTPServer } from 'smtp-server';
import { sql } from 'kysely';
import { openDatabase } from '../../src/db/database.ts';
import type { Role } from '../../src/db/schema.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { migrate } from '../../src/db/migrate.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { rawMessage } from '../mail/mail-fixtures.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { freshDatabase, type DatabaseKind, type FreshDatabase } from '../support/databases.ts';
import { freePort } from '../support/net.ts';
import { call, ServerProcess } from '../support/server-process.ts';

/** Parses Prometheus text into `name{labels}` -> value (label order as printed). */
function parse(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    out.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return out;
}

/** The sum of every sample of `name` whose labels include all of `labels`. */
function sum(samples: Map<string, number>, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  for (const [key, value] of samples) {
    const brace = key.indexOf('{');
    if ((brace < 0 ? key : key.slice(0, brace)) !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) total += value;
  }
  return total;
}

/**
 * `tenantdesk serve` in a real process with METRICS_PORT: every metric family is there, and moves
 * when what it counts happens. On PostgreSQL (the pool families) and on PGlite (no pool, the rest).
 */
for (const kind of ['postgres', 'pglite'] as DatabaseKind[]) {
  if (kind === 'postgres' && !process.env.TEST_DATABASE_URL) continue;
  describe(`GET /metrics on METRICS_PORT [${kind}]`, () => {
    let fresh: FreshDatabase | undefined;
    let server: ServerProcess;
    let install: ApiInstallation;
    let metricsPort: number;
    let overdueTicketId: string;
    let smtpPort: number;
    // The outside world's mail server, which the desk relays its outbound mail to.
    const relay = new SMTPServer({ authOptional: true, disabledCommands: ['AUTH', 'STARTTLS'], logger: false, onData: (stream, _session, done) => stream.resume().on('end', () => done()) });
    const dataDir = mkdtempSync(join(tmpdir(), 'td-metrics-'));
    const scrape = async () => {
      const answer = await call(metricsPort, { path: '/metrics' });
      assert.equal(answer.status, 200, answer.text);
      assert.match(String(answer.headers['content-type']), /^text\/plain; version=0\.0\.4/);
      return { text: answer.text, samples: parse(answer.text) };
    };

    before(async () => {
      const env: Record<string, string> = { DATA_DIR: dataDir, LOG_LEVEL: 'warn', JOB_POLL_MS: '100', TENANT_API_RATE: '0', METRICS_TENANTS: 'acme' };
      // PGlite is the server's own: seeded first, then closed for the server to open.
      fresh = kind === 'postgres' ? await freshDatabase('postgres') : undefined;
      const database = fresh?.database ?? (await openDatabase({ kind: 'pglite', dataDir }));
      if (!fresh) await migrate(database);
      const shards = new Shards(database);
      install = await seedApiTenants(shards, [{ slug: 'acme' }, { slug: 'globex' }]);
      // A ticket already past its due date, and the SLA sweep's schedule a period behind, so that the
      // server's first poll runs the sweep, which records that one breach.
      const catalog = (await Catalog.load(database)).snapshot();
      const staff = await database.owner.selectFrom('contacts').select('id').where('email', '=', 'admin@sp.test').executeTakeFirstOrThrow();
      const desk = { ...systemContext(shards, DEFAULT_TENANCY, catalog), actor: { contactId: String(staff.id), kind: 'staff' as const, activeRole: { slug: 'test-admin', permissions: ['ticket.*'] } as unknown as Role } };
      overdueTicketId = (await createTicket(desk, { tenantId: catalog.bySlug.get('acme')!.id, subject: 'Overdue', body: 'x', dueAt: new Date(Date.now() - 60_000).toISOString() })).id as string;
      await sql`insert into job_schedules (name, last_fired_at) values ('sla.sweep-overdue', now() - interval '2 minutes')
          on conflict (name) do update set last_fired_at = excluded.last_fired_at`.execute(database.owner);
      await sql`insert into mailboxes (tenant_id, address, name) select id, 'support@acme.test', 'Acme support' from tenants where slug = 'acme'`.execute(database.owner);
      // A job no runner handles stays due; one whose payload its handler refuses dies at once.
      await sql`insert into jobs (tenant_id, name, payload, run_at) values
          (null, 'test.unhandled', '{}', now() - interval '1 minute'), (null, 'mail.fetch-mailbox', '{"mailboxId": 1}', now())`.execute(database.owner);
      if (fresh) env.DATABASE_URL = fresh.url!;
      else await database.close();
      const relayPort = await freePort();
      await new Promise<void>((resolve) => relay.listen(relayPort, '127.0.0.1', () => resolve()));
      [metricsPort, smtpPort] = [await freePort(), await freePort()];
      server = await ServerProcess.start({ ...env, SMTP_URL: `smtp://127.0.0.1:${relayPort}`, METRICS_PORT: String(metricsPort), SMTP_PORT: String(smtpPort), MAIL_SECRET: 'metrics-test-secret-0123456789abcdef0123' });
    });
    after(async () => {
      await server?.stop('SIGKILL');
      await new Promise<void>((resolve) => relay.close(() => resolve()));
      await fresh?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it('is not served on the app port, at a tenant host or any other', async () => {
      for (const host of ['acme.localhost', 'sp.localhost', `127.0.0.1:${server.port}`]) {
        const answer = await call(server.port, { path: '/metrics', host });
        assert.equal(answer.status, 404, `${host}: ${answer.status} ${answer.text.slice(0, 200)}`);
        assert.doesNotMatch(answer.text, /tenantdesk_http_requests_total/);
      }
      assert.equal((await call(metricsPort, { path: '/api/v1/tenant', host: 'acme.localhost' })).status, 404, 'the metrics port serves /metrics alone');
    });

    it('counts requests by route pattern and status, with latency, and per tenant only for METRICS_TENANTS', async () => {
      const before = (await scrape()).samples;
      const key = install.tenants.acme!.keys[0]!;
      for (let i = 0; i < 3; i++) assert.equal((await call(server.port, { path: '/api/v1/tickets/00000000-0000-0000-0000-00000000000' + i, host: 'acme.localhost', headers: { authorization: `Bearer ${key}` } })).status, 404);
      assert.equal((await call(server.port, { path: '/api/v1/tenant', host: 'globex.localhost' })).status, 200);
      const { samples, text } = await scrape();
      const route = { route: '/api/v1/tickets/:id', status: '404', method: 'GET' };
      assert.equal(sum(samples, 'tenantdesk_http_requests_total', route) - sum(before, 'tenantdesk_http_requests_total', route), 3);
      assert.equal(sum(samples, 'tenantdesk_http_request_duration_seconds_count', route) - sum(before, 'tenantdesk_http_request_duration_seconds_count', route), 3);
      assert.doesNotMatch(text, /00000000-0000/, 'no URL is a label');
      assert.equal(sum(samples, 'tenantdesk_tenant_http_requests_total', { tenant: 'acme', status_class: '4xx' }) - sum(before, 'tenantdesk_tenant_http_requests_total', { tenant: 'acme', status_class: '4xx' }), 3);
      assert.doesNotMatch(text, /tenant="globex"/, 'a tenant not named in METRICS_TENANTS has no series');
    });

    it('reports the database pool, the job queue and failures, and the catalog version', async () => {
      const before = (await scrape()).samples;
      if (kind === 'postgres') {
        assert.ok(sum(before, 'tenantdesk_db_pool_connections', { pool: 'owner', state: 'idle' }) + sum(before, 'tenantdesk_db_pool_connections', { pool: 'owner', state: 'busy' }) >= 1);
        assert.ok(sum(before, 'tenantdesk_db_pool_wait_seconds_count', { pool: 'owner' }) > 0);
      }
      const catalogBefore = sum(before, 'tenantdesk_catalog_version', { source: 'database' });
      if (fresh) await sql`update catalog_state set version = version + 1`.execute(fresh.database.owner);
      // The runner takes the failing job within a poll or two (JOB_POLL_MS=100).
      let samples = before;
      for (let i = 0; i < 100; i++) {
        samples = (await scrape()).samples;
        if (sum(samples, 'tenantdesk_jobs_failed_total', { name: 'mail.fetch-mailbox', state: 'dead' }) > 0) break;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(sum(samples, 'tenantdesk_jobs_due', { name: 'test.unhandled' }), 1);
      assert.ok(sum(samples, 'tenantdesk_jobs_oldest_due_age_seconds', { name: 'test.unhandled' }) >= 59);
      assert.equal(sum(samples, 'tenantdesk_jobs_failed_total', { name: 'mail.fetch-mailbox', state: 'dead' }), 1);
      assert.equal(sum(samples, 'tenantdesk_jobs_dead', { name: 'mail.fetch-mailbox' }), 1);
      assert.ok(sum(samples, 'tenantdesk_catalog_version', { source: 'process' }) >= 1);
      if (fresh) assert.equal(sum(samples, 'tenantdesk_catalog_version', { source: 'database' }), catalogBefore + 1);
    });

    it('counts mail received, quarantined and sent, and declares SLA breaches', async () => {
      const before = (await scrape()).samples;
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPort, secure: false, ignoreTLS: true });
      const send = (raw: Buffer) => transport.sendMail({ envelope: { from: 'carol@customer.test', to: ['support@acme.test'] }, raw });
      await send(rawMessage({}));
      // No sender address: kept in quarantine.
      await send(rawMessage({ from: '' }));
      transport.close();
      const { samples, text } = await scrape();
      const moved = (name: string, labels: Record<string, string>) => sum(samples, name, labels) - sum(before, name, labels);
      assert.equal(moved('tenantdesk_mail_received_total', { transport: 'smtp', outcome: 'ticket' }), 1);
      assert.equal(moved('tenantdesk_mail_received_total', { transport: 'smtp', outcome: 'quarantined' }), 1);
      assert.equal(moved('tenantdesk_mail_quarantined_total', { transport: 'smtp' }), 1);
      // An agent's reply to the mailed ticket is mailed to its requester through the relay.
      const agent = { host: 'acme.localhost', headers: { authorization: `Bearer ${install.tenants.acme!.keys[0]!}` } };
      const ticketId = ((await call(server.port, { ...agent, path: '/api/v1/tickets?limit=1' })).body as { items: { id: string }[] }).items[0]!.id;
      assert.equal((await call(server.port, { ...agent, method: 'POST', path: `/api/v1/tickets/${ticketId}/replies`, body: { body: 'On it.' } })).status, 201);
      let sent = 0;
      for (let i = 0; i < 100 && sent === 0; i++) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        sent = sum((await scrape()).samples, 'tenantdesk_mail_sent_total') - sum(before, 'tenantdesk_mail_sent_total');
      }
      assert.ok(sent >= 1, 'the reply was sent through the relay');
      for (const family of ['tenantdesk_mail_sent_total', 'tenantdesk_http_rate_limited_total', 'tenantdesk_process_cpu_seconds_total']) {
        assert.match(text, new RegExp(`^# TYPE ${family} counter$`, 'm'), family);
      }
    });

    it('counts the breach of a ticket past its due date once the SLA sweep has run', async () => {
      let breaches = 0;
      for (let i = 0; i < 150 && breaches === 0; i++) {
        breaches = sum((await scrape()).samples, 'tenantdesk_sla_breaches_total');
        if (!breaches) await new Promise((resolve) => setTimeout(resolve, 100));
      }
      assert.equal(breaches, 1, 'one ticket past its resolution due date: one breach');
      // The breach the metric counted is the one the sweep recorded on the ticket.
      const agent = { host: 'acme.localhost', headers: { authorization: `Bearer ${install.tenants.acme!.keys[0]!}` } };
      const ticket = (await call(server.port, { ...agent, path: `/api/v1/tickets/${overdueTicketId}` })).body as { resolutionBreachedAt: string | null };
      assert.ok(ticket.resolutionBreachedAt, 'the ticket carries its breach');
    });
  });
}
