import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { runCli, runInProcess } from '../support/cli.ts';
import { databaseKinds, freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { rawMessage, TEST_SECRET, TRUSTED_AUTHSERV_ID, trustedDmarcPass } from './mail-fixtures.ts';

/*
 * `tenantdesk mail pipe` as an MTA's alias runs it, with the message on stdin. The exit codes an
 * MTA acts on (0 taken, 67 no such address, 78 bad configuration) are checked on real processes;
 * the other cases run the same program in this process, which saves a process start each.
 */
describe('tenantdesk mail pipe', () => {
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'td-pipe-'));
    // The test's IMAP address is on loopback, which the installation must allow explicitly.
    env = { DATA_DIR: dataDir, MAIL_SECRET: TEST_SECRET, OUTBOUND_ALLOW: '127.0.0.0/8' };
    for (const args of [
      ['tenant', 'create', '--slug', 'sp', '--name', 'SP'],
      ['tenant', 'create', '--slug', 'acme', '--name', 'Acme'],
      ['mailbox', 'add', '--tenant', 'acme', '--address', 'Support@Acme.test', '--imap', 'imap://acme:s3cret@127.0.0.1:1143/INBOX'],
    ]) {
      const done = await runInProcess(args, env);
      assert.equal(done.code, 0, done.stderr);
    }
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses a mailbox on a loopback IMAP server when OUTBOUND_ALLOW does not allow it', async () => {
    const refused = await runInProcess(['mailbox', 'add', '--tenant', 'acme', '--address', 'loop@acme.test', '--imap', 'imap://u:p@127.0.0.1:1143/INBOX'], { ...env, OUTBOUND_ALLOW: '' });
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /IMAP server 127\.0\.0\.1 is not allowed: it is in the loopback range \(127\.0\.0\.0\/8\)/);
    assert.doesNotMatch((await runInProcess(['mailbox', 'list'], env)).stdout, /loop@acme\.test/);
  });

  it('lists mailboxes without their credentials', async () => {
    const listed = await runInProcess(['mailbox', 'list'], env);
    assert.match(listed.stdout, /support@acme\.test\tacme\tacme@127\.0\.0\.1:1143\/INBOX/);
    assert.doesNotMatch(listed.stdout, /s3cret/);
  });

  it('exits 0 with the ticket taken, and 0 again for the same message (a duplicate)', async () => {
    const message = rawMessage({ from: 'pat@customer.test', to: 'support@acme.test', subject: 'Piped' });
    const first = await runCli(['mail', 'pipe'], env, { input: message });
    assert.deepEqual([first.code, first.stdout.trim()], [0, 'acme: ticket ACME-000001']);
    const again = await runInProcess(['mail', 'pipe', '--to', 'support@acme.test'], env, message);
    assert.deepEqual([again.code, again.stdout.trim()], [0, 'acme: duplicate']);
  });

  it('exits 67 (EX_NOUSER) when no recipient is a support address, 65 (EX_DATAERR) on empty input', async () => {
    const nouser = await runCli(['mail', 'pipe', '--to', 'sales@acme.test'], env, { input: rawMessage({ to: 'sales@acme.test' }) });
    assert.equal(nouser.code, 67, nouser.stderr);
    const empty = await runInProcess(['mail', 'pipe'], env, Buffer.alloc(0));
    assert.equal(empty.code, 65);
  });

  it('exits 0 for a message kept in quarantine, which `mail quarantine` lists', async () => {
    const kept = await runInProcess(['mail', 'pipe', '--to', 'support@acme.test'], env, Buffer.from('Subject: no sender\r\n\r\nhello\r\n'));
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /acme: quarantined \(The message has no sender address/);
    const listed = await runInProcess(['mail', 'quarantine'], env);
    assert.match(listed.stdout, /\tacme\t\tno sender\t\d+\tThe message has no sender address/);
  });

  it('exits 75 (EX_TEMPFAIL) when the database cannot be reached, so the MTA retries', async () => {
    const down = await runInProcess(['mail', 'pipe'], { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, rawMessage({}));
    assert.equal(down.code, 75, down.stderr);
    const badConfig = await runCli(['mail', 'pipe'], { ...env, MAIL_SECRET: 'short' }, { input: rawMessage({}) });
    assert.equal(badConfig.code, 78);
    assert.doesNotMatch(badConfig.stderr, /short/, 'a secret is never echoed');
  });
});

/*
 * Issue 18, item 3, through the pipe: mail from an agent's address is the agent's only when it
 * proves it (here: the trusted MTA's DMARC pass on top). On PGlite (a data directory) and on
 * PostgreSQL (DATABASE_URL), as an MTA would run it.
 */
for (const kind of databaseKinds()) {
  describe(`tenantdesk mail pipe, mail from an agent address [${kind}]`, () => {
    let dataDir: string;
    let database: FreshDatabase | undefined;
    let env: Record<string, string>;
    const pipe = (raw: Buffer) => runInProcess(['mail', 'pipe', '--to', 'support@acme.test'], env, raw);

    before(async () => {
      dataDir = mkdtempSync(join(tmpdir(), 'td-pipe-agent-'));
      database = kind === 'postgres' ? await freshDatabase('postgres') : undefined;
      env = { DATA_DIR: dataDir, MAIL_SECRET: TEST_SECRET, MAIL_TRUSTED_AUTHSERV_IDS: TRUSTED_AUTHSERV_ID, ...(database?.url ? { DATABASE_URL: database.url } : {}) };
      for (const args of [
        ['tenant', 'create', '--slug', 'sp', '--name', 'SP'],
        ['tenant', 'create', '--slug', 'acme', '--name', 'Acme'],
        ['mailbox', 'add', '--tenant', 'acme', '--address', 'support@acme.test'],
        ['contact', 'create', '--tenant', 'acme', '--email', 'agent@acme.test', '--name', 'Acme agent'],
      ]) {
        const done = await runInProcess(args, env);
        assert.equal(done.code, 0, done.stderr);
      }
    });
    after(async () => {
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    it("holds the reported attack (an agent's From, no Authentication-Results, the ticket's number), takes the trusted DMARC pass", async () => {
      const opened = await pipe(rawMessage({ from: 'pat@customer.test', subject: 'Refund' }));
      const number = /acme: ticket (ACME-\d{6})/.exec(opened.stdout)?.[1];
      assert.ok(number, opened.stdout + opened.stderr);
      const attack = rawMessage({ from: 'Acme agent <agent@acme.test>', subject: `Re: [${number}] Refund`, body: 'Refund approved, wire the fee first.' });
      const held = await runCli(['mail', 'pipe', '--to', 'support@acme.test'], env, { input: attack });
      assert.equal(held.code, 0, held.stderr);
      assert.match(held.stdout, /^acme: quarantined \(agent@acme\.test is an agent's address, but the message does not prove the agent wrote it/m);
      const listed = await runInProcess(['mail', 'quarantine', '--tenant', 'acme'], env);
      assert.match(listed.stdout, new RegExp(`agent@acme\\.test\\tRe: \\[${number}\\] Refund`));
      const proven = Buffer.concat([Buffer.from(`Authentication-Results: ${trustedDmarcPass('acme.test')}\r\n`), rawMessage({ from: 'Acme agent <agent@acme.test>', subject: `Re: [${number}] Refund`, body: 'Refund approved.' })]);
      const taken = await pipe(proven);
      assert.equal(taken.stdout.trim(), `acme: reply ${number}`, taken.stderr);
    });
  });
}
