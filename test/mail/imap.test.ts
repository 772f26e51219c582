import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ImapFlow } from 'imapflow';
import { sql } from 'kysely';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { fetchAllMailboxes, fetchMailbox } from '../../src/mail/imap-fetch.ts';
import { imapJobHandlers } from '../../src/mail/imap-fetch.ts';
import { listObjects } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { imapServerKind, startImapServer, type ImapServer } from '../support/imap-server.ts';
import { mailWorld, rawMessage, type MailWorld } from './mail-fixtures.ts';

forEachDatabase(`IMAP fetching from a real IMAP server (${imapServerKind()})`, (db, kind) => {
  let imapServer: ImapServer;
  let w: MailWorld;
  let runner: JobRunner;
  let imap: ImapFlow;
  const user = `acme-${kind}`;
  const password = 'imap-Secret-1';

  const client = () => new ImapFlow({ host: '127.0.0.1', port: imapServer.port, secure: false, auth: { user, pass: password }, logger: false });
  /** Asked on a new connection: a session with the folder open may not see other sessions' flag changes yet. */
  const unseen = async () => {
    const fresh = client();
    await fresh.connect();
    const lock = await fresh.getMailboxLock('INBOX');
    try {
      return ((await fresh.search({ seen: false }, { uid: true })) || []).sort((a, b) => a - b);
    } finally {
      lock.release();
      await fresh.logout();
    }
  };
  const subjects = async () => (await listObjects(w.admin, 'ticket', { where: { tenant_id: w.t.acme }, limit: 500 })).map((t) => t.subject as string).sort();
  /** What the schedule does every minute: fetch-all, which enqueues a fetch per mailbox, then the acks. */
  const fetchRound = async () => {
    await enqueue(db().owner, fetchAllMailboxes, { tenantId: null, payload: {} });
    return runner.drain(db());
  };
  /** One more fetch of the mailbox (fetch-all enqueues one per mailbox and minute). */
  const fetchAgain = async () => {
    await enqueue(db().owner, fetchMailbox, { tenantId: w.t.acme!, payload: { mailboxId: w.mailboxes.acme!.id as string } });
    return runner.drain(db());
  };

  before(async () => {
    imapServer = await startImapServer({ [user]: password });
    w = await mailWorld(db(), {}, { acme: { imapUrl: `imap://${user}:${password}@127.0.0.1:${imapServer.port}/INBOX` } });
    runner = new JobRunner({ shards: w.deps.shards, settings: w.deps.settings, catalog: w.deps.catalog }, { handlers: imapJobHandlers(w.deps) });
    imap = client();
    await imap.connect();
  });
  after(async () => {
    await imap.logout();
    await imapServer.stop();
    await w.deps.shards.close();
  });

  it('stores the IMAP password encrypted, never in clear', async () => {
    const [row] = (await sql<{ imap_password_enc: string; imap_user: string }>`select imap_password_enc, imap_user from mailboxes where address = 'support@acme.test'`.execute(db().owner)).rows;
    assert.equal(row!.imap_user, user);
    assert.ok(!row!.imap_password_enc.includes(password));
    assert.equal(w.deps.box!.decrypt(row!.imap_password_enc), password);
  });

  it('fetches unseen messages into tickets, and marks them seen once committed', async () => {
    await imap.append('INBOX', rawMessage({ from: 'nina@customer.test', subject: 'From IMAP one' }));
    await imap.append('INBOX', rawMessage({ from: 'nina@customer.test', subject: 'From IMAP two', messageId: null }));
    assert.equal((await unseen()).length, 2);
    const outcomes = await fetchRound();
    assert.deepEqual(outcomes.map((o) => [o.name, o.state]), [['mail.fetch-all', 'done'], ['mail.fetch-mailbox', 'done'], ['mail.imap-ack', 'done']]);
    assert.deepEqual(await subjects(), ['From IMAP one', 'From IMAP two']);
    assert.deepEqual(await unseen(), []);
    const keys = await listObjects(w.admin, 'mailMessage', { where: { tenant_id: w.t.acme, direction: 'in', transport: 'imap' } });
    assert.ok(keys.some((k) => /^imap:\d+:\d+$/.test(k.message_key as string)), 'a message without Message-ID is keyed by UIDVALIDITY and UID');
  });

  it('makes one ticket of two copies of a message in one fetch, and takes both', async () => {
    const copy = rawMessage({ from: 'nina@customer.test', subject: 'Sent twice over IMAP', messageId: '<twice@customer.test>' });
    await imap.append('INBOX', copy);
    await imap.append('INBOX', copy);
    const outcomes = await fetchAgain();
    assert.deepEqual(outcomes.map((o) => [o.name, o.state]), [['mail.fetch-mailbox', 'done'], ['mail.imap-ack', 'done']]);
    assert.equal((await subjects()).filter((s) => s === 'Sent twice over IMAP').length, 1, 'the second copy undid what it wrote, back to its savepoint');
    assert.deepEqual(await unseen(), [], 'the duplicate is acknowledged too');
  });

  it('leaves a message unseen when its transaction fails, and takes it on the next round', async () => {
    await sql`create function td_test_fail() returns trigger language plpgsql as $$ begin raise exception 'disk full'; end $$`.execute(db().owner);
    await sql`create trigger td_test_fail before insert on tickets for each row execute function td_test_fail()`.execute(db().owner);
    await imap.append('INBOX', rawMessage({ from: 'olga@customer.test', subject: 'Crashed once' }));
    try {
      const outcomes = await fetchAgain();
      assert.deepEqual(outcomes.find((o) => o.name === 'mail.fetch-mailbox')?.state, 'queued', 'the fetch is retried later');
      assert.ok(!outcomes.some((o) => o.name === 'mail.imap-ack'), 'nothing to acknowledge');
    } finally {
      await sql`drop trigger td_test_fail on tickets`.execute(db().owner);
      await sql`drop function td_test_fail()`.execute(db().owner);
    }
    assert.equal((await unseen()).length, 1, 'still unseen on the server');
    assert.ok(!(await subjects()).includes('Crashed once'));
    await sql`update jobs set run_at = now() where state = 'queued'`.execute(db().owner);
    await runner.drain(db());
    assert.ok((await subjects()).includes('Crashed once'));
    assert.deepEqual(await unseen(), []);
  });

  it('takes a message fetched again (flag lost, re-delivered) only once', async () => {
    const before = await subjects();
    const lock = await imap.getMailboxLock('INBOX');
    try {
      await imap.messageFlagsRemove('1:*', ['\\Seen'], { uid: true });
    } finally {
      lock.release();
    }
    assert.equal((await unseen()).length, 5);
    await fetchAgain();
    assert.deepEqual(await subjects(), before, 'no new ticket');
    assert.deepEqual(await unseen(), []);
  });
});
