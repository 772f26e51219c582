import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, describe, it } from 'node:test';
import nodemailer from 'nodemailer';
import { sql } from 'kysely';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { rawMessage } from '../mail/mail-fixtures.ts';
import { seedApiTenants } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { freePort } from '../support/net.ts';
import { call, ServerProcess } from '../support/server-process.ts';

/**
 * Per-tenant limits hold for the installation: three `tenantdesk serve` processes on one PostgreSQL
 * database, a tenant hammered through all three at once. Before issue 19 each process kept its own
 * API buckets, and the tenant got three times its limit.
 */
const PROCESSES = 3;
// A rate so low that the bucket barely refills during the test: what is served comes out of the burst.
const RATE = 0.2;
const BURST = 30;
const MAIL_PER_HOUR = 4;

describe('limits shared by several server processes [postgres]', { skip: !process.env.TEST_DATABASE_URL && 'needs TEST_DATABASE_URL' }, () => {
  let fresh: FreshDatabase;
  const servers: ServerProcess[] = [];
  const smtpPorts: number[] = [];

  before(async () => {
    fresh = await freshDatabase('postgres');
    await seedApiTenants(new Shards(fresh.database), [{ slug: 'acme' }, { slug: 'globex' }]);
    await sql`insert into mailboxes (tenant_id, address, name) select id, 'support@acme.test', 'Acme support' from tenants where slug = 'acme'`.execute(fresh.database.owner);
    const started = await Promise.all(
      Array.from({ length: PROCESSES }, async () => {
        const smtpPort = await freePort();
        const server = await ServerProcess.start({
          DATABASE_URL: fresh.url!,
          TENANT_API_RATE: String(RATE),
          TENANT_API_BURST: String(BURST),
          TENANT_MAIL_PER_HOUR: String(MAIL_PER_HOUR),
          SMTP_PORT: String(smtpPort),
          MAIL_SECRET: 'shared-limits-secret-0123456789abcdef0123',
          JOB_RUNNER: 'false',
        });
        return { server, smtpPort };
      }),
    );
    for (const s of started) {
      servers.push(s.server);
      smtpPorts.push(s.smtpPort);
    }
  });
  after(async () => {
    await Promise.all(servers.map((s) => s.stop('SIGKILL')));
    await fresh?.drop();
  });

  it("serves a tenant at most its burst (plus the refill and N x lease) in total through all processes, some through each", async () => {
    const perProcess = 25;
    const connections = 5;
    const started = performance.now();
    const served = await Promise.all(
      servers.map(async (server) => {
        const agent = new Agent({ keepAlive: true, maxSockets: connections });
        let ok = 0;
        let next = 0;
        const worker = async () => {
          while (next++ < perProcess) {
            const answer = await call(server.port, { path: '/api/v1/tenant', host: 'acme.localhost', agent });
            if (answer.status === 200) ok++;
            else assert.equal(answer.status, 429, answer.text);
          }
        };
        await Promise.all(Array.from({ length: connections }, worker));
        agent.destroy();
        return ok;
      }),
    );
    const elapsedS = (performance.now() - started) / 1000;
    const total = served.reduce((a, b) => a + b, 0);
    // The lease at this rate is one token (a tenth of a second of the rate, at least one).
    const bound = BURST + Math.ceil(RATE * elapsedS) + PROCESSES * 1;
    assert.ok(total <= bound, `served ${served.join(' + ')} = ${total} in ${elapsedS.toFixed(1)} s; the installation's limit is ${bound}`);
    assert.ok(total >= BURST, `the burst is served: ${total}`);
    for (const [i, n] of served.entries()) assert.ok(n > 0, `process ${i} served some: ${served.join(', ')}`);
    // Another tenant's bucket is its own.
    assert.equal((await call(servers[0]!.port, { path: '/api/v1/tenant', host: 'globex.localhost' })).status, 200);
  });

  it("takes a tenant's hourly mail limit once for all processes' SMTP listeners, and defers the rest", async () => {
    const outcomes: string[] = [];
    for (let i = 0; i < MAIL_PER_HOUR * 2; i++) {
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: smtpPorts[i % PROCESSES]!, secure: false, ignoreTLS: true });
      try {
        await transport.sendMail({ envelope: { from: 'carol@customer.test', to: ['support@acme.test'] }, raw: rawMessage({ subject: `message ${i}` }) });
        outcomes.push('250');
      } catch (error) {
        outcomes.push(String((error as { responseCode?: number }).responseCode));
      } finally {
        transport.close();
      }
    }
    assert.deepEqual(outcomes, [...Array(MAIL_PER_HOUR).fill('250'), ...Array(MAIL_PER_HOUR).fill('451')]);
  });
});
