import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { rawMessage, TEST_SECRET } from './mail-fixtures.ts';

const root = resolve(import.meta.dirname, '../..');
const bin = join(root, 'bin/tenantdesk.js');

type Exit = { code: number | null; stdout: string; stderr: string };

/** `tenantdesk <args>` with `input` on stdin, as an MTA's alias runs it. */
function tenantdesk(args: string[], env: Record<string, string>, input?: Buffer): Promise<Exit> {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
  child.stdin.end(input ?? Buffer.alloc(0));
  return new Promise((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stdout, stderr }));
  });
}

describe('tenantdesk mail pipe', () => {
  let dataDir: string;
  let env: Record<string, string>;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'td-pipe-'));
    env = { DATA_DIR: dataDir, MAIL_SECRET: TEST_SECRET };
    for (const args of [
      ['tenant', 'create', '--slug', 'sp', '--name', 'SP'],
      ['tenant', 'create', '--slug', 'acme', '--name', 'Acme'],
      ['mailbox', 'add', '--tenant', 'acme', '--address', 'Support@Acme.test', '--imap', 'imap://acme:s3cret@127.0.0.1:1143/INBOX'],
    ]) {
      const done = await tenantdesk(args, env);
      assert.equal(done.code, 0, done.stderr);
    }
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('lists mailboxes without their credentials', async () => {
    const listed = await tenantdesk(['mailbox', 'list'], env);
    assert.match(listed.stdout, /support@acme\.test\tacme\tacme@127\.0\.0\.1:1143\/INBOX/);
    assert.doesNotMatch(listed.stdout, /s3cret/);
  });

  it('exits 0 with the ticket taken, and 0 again for the same message (a duplicate)', async () => {
    const message = rawMessage({ from: 'pat@customer.test', to: 'support@acme.test', subject: 'Piped' });
    const first = await tenantdesk(['mail', 'pipe'], env, message);
    assert.deepEqual([first.code, first.stdout.trim()], [0, 'acme: ticket ACME-000001']);
    const again = await tenantdesk(['mail', 'pipe', '--to', 'support@acme.test'], env, message);
    assert.deepEqual([again.code, again.stdout.trim()], [0, 'acme: duplicate']);
  });

  it('exits 67 (EX_NOUSER) when no recipient is a support address, 65 (EX_DATAERR) on empty input', async () => {
    const nouser = await tenantdesk(['mail', 'pipe', '--to', 'sales@acme.test'], env, rawMessage({ to: 'sales@acme.test' }));
    assert.equal(nouser.code, 67, nouser.stderr);
    const empty = await tenantdesk(['mail', 'pipe'], env, Buffer.alloc(0));
    assert.equal(empty.code, 65);
  });

  it('exits 0 for a message kept in quarantine, which `mail quarantine` lists', async () => {
    const kept = await tenantdesk(['mail', 'pipe', '--to', 'support@acme.test'], env, Buffer.from('Subject: no sender\r\n\r\nhello\r\n'));
    assert.equal(kept.code, 0, kept.stderr);
    assert.match(kept.stdout, /acme: quarantined \(The message has no sender address/);
    const listed = await tenantdesk(['mail', 'quarantine'], env);
    assert.match(listed.stdout, /\tacme\t\tno sender\t\d+\tThe message has no sender address/);
  });

  it('exits 75 (EX_TEMPFAIL) when the database cannot be reached, so the MTA retries', async () => {
    const down = await tenantdesk(['mail', 'pipe'], { ...env, DATABASE_URL: 'postgres://nobody@127.0.0.1:1/none' }, rawMessage({}));
    assert.equal(down.code, 75, down.stderr);
    const badConfig = await tenantdesk(['mail', 'pipe'], { ...env, MAIL_SECRET: 'short' }, rawMessage({}));
    assert.equal(badConfig.code, 78);
    assert.doesNotMatch(badConfig.stderr, /short/, 'a secret is never echoed');
  });
});
