import assert from 'node:assert/strict';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { fetchMailboxNow } from '../../src/mail/imap-fetch.ts';
import { tenantMailContext, type MailDeps } from '../../src/mail/mail-context.ts';
import { createMailbox } from '../../src/mail/mailboxes.ts';
import { queueMail } from '../../src/mail/queue-mail.ts';
import { sendMailHandler } from '../../src/mail/send-mail.ts';
import { createOutbound, type Resolver } from '../../src/net/guarded-connect.ts';
import { removeSenderDomain } from '../../src/tenancy/catalog/sender-domains.ts';
import { inTransaction } from '../../src/tenancy/data-access.ts';
import { startRelay, type Relay } from '../resilience/mail-desk.ts';
import { forEachDatabase } from '../support/databases.ts';
import { mailWorld, type MailWorld } from './mail-fixtures.ts';

forEachDatabase('outbound mail under the installation policy', (db) => {
  let w: MailWorld;
  let relay: Relay;
  let trap: Server;
  let trapPort: number;
  let connections = 0;
  let answers = 0;
  // A name that is public when the mailbox is created and loopback afterwards (DNS rebinding).
  const resolver: Resolver = async () => [{ address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
  /** The deps of an installation with the default policy: public addresses only. */
  let strict: MailDeps;
  const send = async (deps: MailDeps, tenantId: number, mailbox: MailWorld['mailboxes'][string], subject: string) => {
    await inTransaction(tenantMailContext(deps, tenantId), (tx) => queueMail(tx, { tenantId, to: 'carol@customer.test', subject, html: '<p>x</p>', kind: 'agent-reply', mailbox }), tenantId);
    const runner = new JobRunner({ shards: deps.shards, settings: deps.settings, catalog: deps.catalog }, { handlers: [sendMailHandler(deps) as unknown as JobHandler<never>] });
    return runner.drain(db());
  };

  before(async () => {
    relay = await startRelay();
    trap = createServer((socket) => {
      connections++;
      socket.end('* OK trap\r\n');
    });
    await new Promise<void>((resolve) => trap.listen(0, '127.0.0.1', resolve));
    trapPort = (trap.address() as AddressInfo).port;
    w = await mailWorld(db(), { relayUrl: `smtp://127.0.0.1:${relay.port}` });
    strict = { ...w.deps, outbound: createOutbound({ resolver }) };
  });
  after(async () => {
    await relay.close();
    await new Promise((resolve) => trap.close(resolve));
    await w.deps.shards.close();
  });

  it('checks the IMAP server at every connection: a name that now resolves to loopback is refused, no socket opened', async () => {
    const ctx = tenantMailContext(strict, w.t.acme!);
    const mailbox = await createMailbox(ctx, strict, { tenantId: w.t.acme!, address: 'rebind@acme.test', imapUrl: `imap://u:p@imap.rebind.example:${trapPort}/INBOX` });
    await assert.rejects(
      inTransaction(ctx, (tx) => fetchMailboxNow(strict, tx, mailbox.id as string), w.t.acme!),
      (error: Error) => error.name === 'OutboundError' && /IMAP server imap\.rebind\.example is not allowed: it resolves to 127\.0\.0\.1/.test(error.message),
    );
    assert.equal(connections, 0);
  });

  it("refuses to send through a tenant's relay on a refused address, saying so in the job's last error", async () => {
    // Stored when loopback was allowed (or before this check existed); the installation's policy now refuses it.
    const mailbox = await createMailbox(tenantMailContext(w.deps, w.t.acme!), w.deps, { tenantId: w.t.acme!, address: 'relayed@acme.test', smtpUrl: `smtp://127.0.0.1:${trapPort}` });
    const outcomes = await send(strict, w.t.acme!, mailbox, 'through a refused relay');
    assert.ok(outcomes.length >= 1 && outcomes.every((o) => o.state !== 'done'));
    const [job] = (await sql<{ last_error: string }>`select last_error from jobs where name = 'mail.send' and state <> 'done' order by created_at desc limit 1`.execute(db().owner)).rows;
    assert.match(job!.last_error, /SMTP relay 127\.0\.0\.1 is not allowed: it is in the loopback range/);
    assert.doesNotMatch(job!.last_error, /\n\s+at /, 'no stack');
    assert.equal(connections, 0);
    assert.ok(!relay.received.some((m) => m.parsed.subject === 'through a refused relay'));
  });

  it('sends from the tenant address on its verified domain, and otherwise from the installation address under its name with Reply-To', async () => {
    await send(w.deps, w.t.acme!, w.mailboxes.acme!, 'verified sender');
    const verified = relay.received.find((m) => m.parsed.subject === 'verified sender')!;
    assert.equal(verified.parsed.from!.value[0]!.address, 'support@acme.test');
    assert.equal(verified.parsed.replyTo, undefined);

    await removeSenderDomain(db(), 'globex', 'globex.test');
    await w.catalog.refresh();
    await send(w.deps, w.t.globex!, w.mailboxes.globex!, 'unverified sender');
    const fallback = relay.received.find((m) => m.parsed.subject === 'unverified sender')!;
    assert.deepEqual(fallback.parsed.from!.value, [{ name: 'Globex Help', address: 'helpdesk@localhost' }]);
    assert.equal(fallback.parsed.replyTo!.value[0]!.address, 'help@globex.test');
    assert.match(fallback.parsed.messageId!, /@localhost>$/);
  });
});
