import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMailbox, mailboxForAddress, removeMailbox } from '../../src/mail/mailboxes.ts';
import { MailboxRoutes } from '../../src/mail/mailbox-routes.ts';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { updateObject, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { mailWorld, rawMessage, type MailWorld } from './mail-fixtures.ts';

describe('remembered mailbox routes', () => {
  const counting = (result: Row | undefined) => {
    const load = async () => {
      load.calls++;
      return result;
    };
    load.calls = 0;
    return load;
  };

  it('share one load between concurrent lookups and answer later ones from memory', async () => {
    const routes = new MailboxRoutes();
    const load = counting({ id: 'm1', tenant_id: 1 });
    const [a, b] = await Promise.all([routes.lookup('a@x.test', 1, load), routes.lookup('a@x.test', 1, load)]);
    assert.deepEqual([a?.id, b?.id, load.calls], ['m1', 'm1', 1]);
    await routes.lookup('a@x.test', 1, load);
    assert.equal(load.calls, 1);
  });

  it('forget everything when the catalog version changes or when told to', async () => {
    const routes = new MailboxRoutes();
    const load = counting({ id: 'm1', tenant_id: 1 });
    await routes.lookup('a@x.test', 1, load);
    await routes.lookup('a@x.test', 2, load);
    assert.equal(load.calls, 2, 'a new catalog version');
    routes.forget();
    await routes.lookup('a@x.test', 2, load);
    assert.equal(load.calls, 3, 'forgotten');
  });

  it('do not remember a failed lookup, nor make a caller in a unit of work wait for a load still running', async () => {
    const routes = new MailboxRoutes();
    await assert.rejects(routes.lookup('a@x.test', 1, () => Promise.reject(new Error('database down'))), /database down/);
    const load = counting({ id: 'm1', tenant_id: 1 });
    assert.equal((await routes.lookup('a@x.test', 1, load))?.id, 'm1', 'asked again');
    let release!: (row: Row | undefined) => void;
    const pending = routes.lookup('b@x.test', 1, () => new Promise((resolve) => (release = resolve)));
    const inner = counting({ id: 'm2', tenant_id: 1 });
    assert.equal((await routes.lookup('b@x.test', 1, inner, true))?.id, 'm2', 'loaded in its own transaction');
    release({ id: 'm2', tenant_id: 1 });
    await pending;
  });
});

forEachDatabase('mail routing with remembered routes', (db) => {
  let w: MailWorld;
  const receive = (to: string, subject: string) => receiveMessage(w.deps, { raw: rawMessage({ to, subject }), transport: 'smtp', recipients: [to] });

  before(async () => {
    w = await mailWorld(db());
  });
  after(async () => {
    await w.deps.shards.close();
  });

  it('routes an address added or removed in this process at once, although its absence was remembered', async () => {
    assert.equal(await mailboxForAddress(w.deps, 'new@acme.test'), undefined);
    await assert.rejects(receive('new@acme.test', 'too early'), { code: 'NOT_FOUND' });
    const mailbox = await createMailbox(w.admin, w.deps, { tenantId: w.t.acme!, address: 'new@acme.test' });
    const [delivery] = await receive('new@acme.test', 'just added');
    assert.deepEqual([delivery!.outcome, delivery!.tenantId], ['ticket', w.t.acme]);
    await removeMailbox(w.admin, mailbox.id as string);
    await assert.rejects(receive('new@acme.test', 'just removed'), { code: 'NOT_FOUND' });
  });

  it("reads the mailbox's settings afresh at delivery; one deactivated behind the route's back makes the sender retry, then refuses", async () => {
    await receive('help@globex.test', 'route remembered');
    await updateObject(w.admin, 'mailbox', w.mailboxes.globex!.id as string, { active: false });
    try {
      await assert.rejects(receive('help@globex.test', 'deactivated'), (error: Error & { code?: string }) => error.code === undefined && /offered again/.test(error.message));
      await assert.rejects(receive('help@globex.test', 'deactivated, retried'), { code: 'NOT_FOUND' });
    } finally {
      await updateObject(w.admin, 'mailbox', w.mailboxes.globex!.id as string, { active: true });
    }
  });
});
