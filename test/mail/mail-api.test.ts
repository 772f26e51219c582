import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';
import { addTenantAdmins, mailConfig, TEST_SECRET } from './mail-fixtures.ts';

forEachDatabase('the mail admin API', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let as: (email: string) => Promise<Caller>;
  let deps: Parameters<typeof receiveMessage>[0];

  before(async () => {
    const desk = await demoDeskApp(db(), { mailSecret: TEST_SECRET });
    ({ app, call, as } = desk);
    await addTenantAdmins(desk);
    deps = { shards: desk.shards, settings: DEFAULT_TENANCY, catalog: () => desk.catalog.snapshot(), config: mailConfig(), box: secretBox(TEST_SECRET), dataDir: '/tmp' };
  });
  after(async () => app?.close());

  it('answers 401 without a session and 403 to an agent without admin.tenant', async () => {
    assert.equal((await call({ url: '/api/v1/mailboxes', host: 'acme.localhost' })).statusCode, 401);
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/mailboxes' })).statusCode, 403);
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/mail/quarantine' })).statusCode, 403);
  });

  it("lets a tenant administrator add its tenant's addresses, credentials never shown, and see only its own", async () => {
    const acme = await as('admin@acme.test');
    const created = await acme({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'Support@Acme.test', imapUrl: 'imap://acme:pw-123@127.0.0.1:1143/INBOX' } });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual([created.json().address, created.json().tenant, created.json().imapUser], ['support@acme.test', 'acme', 'acme']);
    assert.doesNotMatch(created.body, /pw-123|imapPasswordEnc/);
    const globex = await as('admin@globex.test');
    assert.equal((await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'support@acme.test' } })).statusCode, 409, 'an address routes to one tenant');
    assert.equal((await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'x@globex.test', tenant: 'acme' } })).statusCode, 403);
    assert.equal((await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'help@globex.test' } })).statusCode, 201);
    assert.deepEqual((await globex({ url: '/api/v1/mailboxes' })).json().mailboxes.map((m: { address: string }) => m.address), ['help@globex.test']);
    assert.equal((await globex({ method: 'DELETE', url: `/api/v1/mailboxes/${created.json().id as string}` })).statusCode, 404, "another tenant's mailbox is not found");
  });

  it("shows a tenant's quarantine to its administrators only, and counts it on /readyz", async () => {
    const before = (await call({ url: '/readyz', host: 'acme.localhost' })).json().mailQuarantine as number;
    await receiveMessage(deps, { raw: Buffer.from('To: support@acme.test\r\nSubject: anonymous\r\n\r\nno sender\r\n'), transport: 'smtp', recipients: ['support@acme.test'] });
    const acme = (await (await as('admin@acme.test'))({ url: '/api/v1/mail/quarantine' })).json().messages as { subject: string; tenant: string }[];
    assert.deepEqual(acme.map((m) => [m.subject, m.tenant]), [['anonymous', 'acme']]);
    assert.deepEqual((await (await as('admin@globex.test'))({ url: '/api/v1/mail/quarantine' })).json().messages, []);
    assert.equal((await call({ url: '/readyz', host: 'acme.localhost' })).json().mailQuarantine, before + 1);
  });
});
