import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { Agent } from 'node:http';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { fetchMailbox, imapJobHandlers } from '../../src/mail/imap-fetch.ts';
import { listObjects } from '../../src/tenancy/data-access.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { mailWorld, rawMessage, type MailWorld } from '../mail/mail-fixtures.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { startImapServer, type ImapServer } from '../support/imap-server.ts';
import { freePort } from '../support/net.ts';
import { call, errorCode, ServerProcess } from '../support/server-process.ts';

/**
 * SIGTERM while `tenantdesk serve` (a real process) takes a stream of ticket creations: the request
 * in flight finishes and is kept, every new request is answered 503 SHUTTING_DOWN with
 * `Connection: close`, the SMTP listener stops accepting, and the process exits 0 within its
 * grace period (SHUTDOWN_GRACE_MS). Background jobs stop between jobs (test/jobs/job-runner.test.ts);
 * an IMAP fetch stops between two messages (below, against a real IMAP server).
 */
const GRACE_MS = 20_000;

/** A connection that accepts, or refuses. */
const connects = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

describe('SIGTERM under load', () => {
  let fresh: FreshDatabase;
  let server: ServerProcess;
  let install: ApiInstallation;
  let smtpPort: number;
  const dataDir = mkdtempSync(join(tmpdir(), 'td-shutdown-'));

  before(async () => {
    fresh = await freshDatabase('postgres');
    install = await seedApiTenants(new Shards(fresh.database), [{ slug: 'acme', agents: 2 }]);
    smtpPort = await freePort();
    server = await ServerProcess.start({
      DATABASE_URL: fresh.url!,
      DATA_DIR: dataDir,
      SMTP_PORT: String(smtpPort),
      SHUTDOWN_GRACE_MS: String(GRACE_MS),
      // Request lines are at debug: the test waits for the held request's own line.
      LOG_LEVEL: 'debug',
      JOB_POLL_MS: '100',
      TENANT_API_RATE: '0',
    });
  });
  after(async () => {
    await server?.stop('SIGKILL');
    await fresh?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('finishes the request in flight, answers new ones 503 SHUTTING_DOWN, stops SMTP and exits 0', async (t) => {
    const key = install.tenants.acme!.keys;
    const agent = new Agent({ keepAlive: true, maxSockets: 6 });
    const outcomes: string[] = [];
    let loading = true;
    let n = 0;
    const worker = async (w: number) => {
      while (loading) {
        const answer = await call(server.port, { method: 'POST', path: '/api/v1/tickets', host: 'acme.localhost', agent, headers: { authorization: `Bearer ${key[w % 2]}` }, body: { subject: `load ${(n += 1)}`, body: 'x' } }).catch(
          (error: NodeJS.ErrnoException) => error,
        );
        if (answer instanceof Error) outcomes.push(`network ${answer.code ?? answer.message}`);
        else if (answer.status === 503) outcomes.push(`503 ${errorCode(answer)} ${answer.headers.connection}`);
        else outcomes.push(String(answer.status));
        if (!(answer instanceof Error) && answer.status === 201) continue;
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const workers = Array.from({ length: 6 }, (_, w) => worker(w));
    while (outcomes.filter((o) => o === '201').length < 20) await new Promise((r) => setTimeout(r, 50));
    assert.ok(await connects(smtpPort), 'the SMTP listener accepts before');

    // A request the server has started on but cannot finish yet: its body is only half sent.
    const body = JSON.stringify({ subject: 'in flight at SIGTERM', body: 'x' });
    const held: Socket = connect(server.port, '127.0.0.1');
    let response = '';
    held.setEncoding('utf8').on('data', (chunk: string) => (response += chunk));
    const answered = new Promise<void>((resolve) => held.once('close', () => resolve()));
    held.write(
      `POST /api/v1/tickets?held=1 HTTP/1.1\r\nHost: acme.localhost\r\nAuthorization: Bearer ${key[0]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`,
    );
    const seen = () => server.logs().some((r) => r.msg === 'incoming request' && (r.req as { url?: string } | undefined)?.url === '/api/v1/tickets?held=1');
    const seenBy = Date.now() + 60_000;
    while (!seen()) {
      assert.ok(Date.now() < seenBy, 'the server logged the held request within a minute');
      await new Promise((r) => setTimeout(r, 20));
    }

    const signalled = Date.now();
    server.child.kill('SIGTERM');
    while (!server.logs().some((r) => r.msg === 'shutting down')) await new Promise((r) => setTimeout(r, 20));

    const refused = await call(server.port, { method: 'POST', path: '/api/v1/tickets', host: 'acme.localhost', headers: { authorization: `Bearer ${key[0]}` }, body: { subject: 'after SIGTERM', body: 'x' } });
    assert.equal(refused.status, 503, refused.text);
    assert.equal(errorCode(refused), 'SHUTTING_DOWN');
    assert.equal(refused.headers.connection, 'close');
    assert.equal(refused.headers['retry-after'], '5');
    assert.equal((await call(server.port, { path: '/healthz' })).status, 200);
    assert.deepEqual((await call(server.port, { path: '/readyz' })).body, { status: 'shutting down', database: 'postgres' });
    const smtpDeadline = Date.now() + 5000;
    while ((await connects(smtpPort)) && Date.now() < smtpDeadline) await new Promise((r) => setTimeout(r, 50));
    assert.equal(await connects(smtpPort), false, 'the SMTP listener no longer accepts');
    assert.ok(server.running, 'still running while a request is in flight');

    await new Promise((r) => setTimeout(r, 300));
    loading = false;
    await Promise.all(workers);
    agent.destroy();
    held.write(body.slice(10));
    await answered;
    assert.match(response, /^HTTP\/1\.1 201 /, response);
    assert.match(response, /^connection: close/im);

    assert.deepEqual(await server.exited, { code: 0, signal: null });
    const tookMs = Date.now() - signalled;
    assert.ok(tookMs < GRACE_MS, `exited within the grace period (${tookMs} ms)`);
    assert.equal(server.stderr, '');
    assert.ok(!server.logs().some((r) => r.msg === 'request failed'), 'no request failed');

    const unexpected = outcomes.filter((o) => o !== '201' && o !== '503 SHUTTING_DOWN close' && !o.startsWith('network '));
    assert.deepEqual(unexpected, [], 'every answer was 201, or 503 SHUTTING_DOWN closing its connection');
    const created = outcomes.filter((o) => o === '201').length;
    const lost = outcomes.filter((o) => o.startsWith('network ')).length;
    const stored = (await sql<{ subject: string }>`select subject from tickets`.execute(fresh.database.owner)).rows.map((r) => r.subject);
    assert.ok(stored.includes('in flight at SIGTERM'), 'the request in flight was kept');
    assert.ok(!stored.includes('after SIGTERM'), 'the refused request changed nothing');
    const loadStored = stored.filter((s) => s.startsWith('load ')).length;
    t.diagnostic(`exit ${tookMs} ms after SIGTERM; load: ${created} × 201, ${outcomes.filter((o) => o.startsWith('503')).length} × 503, ${lost} network errors, ${loadStored} stored`);
    assert.ok(loadStored >= created && loadStored <= created + lost, `every 201 is stored (${created} answered 201, ${loadStored} stored, ${lost} network errors)`);
  });
});

describe('an IMAP fetch when the job runner stops', () => {
  let fresh: FreshDatabase;
  let imapServer: ImapServer;
  let w: MailWorld;
  const user = 'acme-stop';
  const password = 'imap-Secret-2';

  const unseen = async () => {
    const client = new ImapFlow({ host: '127.0.0.1', port: imapServer.port, secure: false, auth: { user, pass: password }, logger: false });
    await client.connect();
    const lock = await client.getMailboxLock('INBOX');
    try {
      return ((await client.search({ seen: false }, { uid: true })) || []).length;
    } finally {
      lock.release();
      await client.logout();
    }
  };
  const subjects = async () => (await listObjects(w.admin, 'ticket', { where: { tenant_id: w.t.acme }, limit: 50 })).map((t) => t.subject as string).sort();

  before(async () => {
    fresh = await freshDatabase('postgres');
    imapServer = await startImapServer({ [user]: password });
    w = await mailWorld(fresh.database, {}, { acme: { imapUrl: `imap://${user}:${password}@127.0.0.1:${imapServer.port}/INBOX` } });
  });
  after(async () => {
    await imapServer?.stop();
    await w?.deps.shards.close();
    await fresh?.drop();
  });

  it('stops between two messages: the one in hand is committed, the others stay unseen for the next fetch', async () => {
    const db = fresh.database;
    const imap = new ImapFlow({ host: '127.0.0.1', port: imapServer.port, secure: false, auth: { user, pass: password }, logger: false });
    await imap.connect();
    for (const subject of ['Slow one', 'Second', 'Third']) await imap.append('INBOX', rawMessage({ from: 'nina@customer.test', subject }));
    await imap.logout();
    // The first message's ticket takes a while to write: the stop arrives while it is in hand.
    await sql`create function td_test_slow() returns trigger language plpgsql as $$
      begin if new.subject = 'Slow one' then perform pg_sleep(1.5); end if; return new; end $$`.execute(db.owner);
    await sql`create trigger td_test_slow before insert on tickets for each row execute function td_test_slow()`.execute(db.owner);
    try {
      const runner = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: imapJobHandlers(w.deps) });
      await enqueue(db.owner, fetchMailbox, { tenantId: w.t.acme!, payload: { mailboxId: w.mailboxes.acme!.id as string } });
      const draining = runner.drain(db);
      const sleeping = async () => (await sql<{ n: number }>`select count(*)::integer as n from pg_stat_activity where wait_event = 'PgSleep' and datname = current_database()`.execute(db.owner)).rows[0]!.n > 0;
      while (!(await sleeping())) await new Promise((r) => setTimeout(r, 20));
      await runner.stop();
      const outcomes = await draining;
      assert.deepEqual(outcomes.map((o) => [o.name, o.state]), [['mail.fetch-mailbox', 'done']], 'the fetch completed, and no other job was taken');
    } finally {
      await sql`drop trigger td_test_slow on tickets`.execute(db.owner);
      await sql`drop function td_test_slow()`.execute(db.owner);
    }
    assert.deepEqual(await subjects(), ['Slow one'], 'the message in hand was delivered, the next ones not taken');
    assert.equal(await unseen(), 3, 'nothing is marked seen before its acknowledgement job runs');

    // The next server: the acknowledgement, then the next fetch takes the rest, each once.
    const next = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: imapJobHandlers(w.deps) });
    assert.deepEqual((await next.drain(db)).map((o) => o.name), ['mail.imap-ack']);
    assert.equal(await unseen(), 2);
    await enqueue(db.owner, fetchMailbox, { tenantId: w.t.acme!, payload: { mailboxId: w.mailboxes.acme!.id as string } });
    await next.drain(db);
    assert.deepEqual(await subjects(), ['Second', 'Slow one', 'Third']);
    assert.equal(await unseen(), 0);
  });
});
