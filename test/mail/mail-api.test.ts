import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { receiveMessage } from '../../src/mail/receive-message.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call, type Caller } from '../support/desk-app.ts';
import { createOutbound, type Resolver } from '../../src/net/guarded-connect.ts';
import { addTenantAdmins, mailConfig, TEST_SECRET } from './mail-fixtures.ts';

/** A resolver stub: one public name, and one that resolves to loopback (as a rebinding attacker's would). */
const names: Record<string, string> = { 'imap.acme.example': '93.184.216.34', 'smtp.acme.example': '93.184.216.35', 'mail.attacker.example': '127.0.0.1' };
const resolver: Resolver = async (host) => {
  const address = names[host];
  if (!address) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
  return [{ address, family: 4 }];
};

forEachDatabase('the mail admin API', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let as: (email: string) => Promise<Caller>;
  let deps: Parameters<typeof receiveMessage>[0];

  before(async () => {
    // The default policy (public addresses only), names resolved by the stub; acme.test is acme's verified sender domain.
    const desk = await demoDeskApp(db(), { mailSecret: TEST_SECRET, outbound: createOutbound({ resolver }), mailSenderDomains: ['northwind.test', 'localhost'] });
    ({ app, call, as } = desk);
    await addTenantAdmins(desk);
    deps = { shards: desk.shards, settings: DEFAULT_TENANCY, catalog: () => desk.catalog.snapshot(), config: mailConfig(), box: secretBox(TEST_SECRET), outbound: createOutbound({ resolver }), dataDir: '/tmp' };
  });
  after(async () => app?.close());

  it('answers 401 without a session and 403 to an agent without admin.tenant', async () => {
    assert.equal((await call({ url: '/api/v1/mailboxes', host: 'acme.localhost' })).statusCode, 401);
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/mailboxes' })).statusCode, 403);
    assert.equal((await (await as('agent@acme.test'))({ url: '/api/v1/mail/quarantine' })).statusCode, 403);
  });

  it("lets a tenant administrator add its tenant's addresses, credentials never shown, and see only its own", async () => {
    const acme = await as('admin@acme.test');
    const created = await acme({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'Support@Acme.test', imapUrl: 'imap://acme:pw-123@imap.acme.example:1143/INBOX' } });
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

  it('refuses a mailbox whose IMAP server or relay is loopback, private or resolves there, naming the field; nothing is stored', async () => {
    const globex = await as('admin@globex.test');
    const attempts: [body: Record<string, string>, field: string, message: RegExp][] = [
      [{ imapUrl: 'imap://u:p@127.0.0.1:18999/INBOX' }, 'imapUrl', /127\.0\.0\.1 .*loopback/],
      [{ smtpUrl: 'smtp://127.0.0.1:18998' }, 'smtpUrl', /127\.0\.0\.1 .*loopback/],
      [{ imapUrl: 'imaps://u:p@[::1]:993/INBOX' }, 'imapUrl', /::1 .*loopback/],
      [{ smtpUrl: 'smtps://u:p@169.254.169.254' }, 'smtpUrl', /link-local/],
      [{ imapUrl: 'imap://u:p@10.1.2.3/INBOX' }, 'imapUrl', /private/],
      [{ imapUrl: 'imap://u:p@mail.attacker.example/INBOX' }, 'imapUrl', /mail\.attacker\.example .*resolves to 127\.0\.0\.1/],
      [{ smtpUrl: 'smtp://nowhere.example' }, 'smtpUrl', /could not be resolved/],
      [{ smtpUrl: 'http://smtp.acme.example' }, 'smtpUrl', /smtp:\/\//],
    ];
    for (const [body, field, message] of attempts) {
      const answer = await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'new@globex.test', ...body } });
      assert.equal(answer.statusCode, 400, `${JSON.stringify(body)}: ${answer.body}`);
      assert.equal(answer.json().error.field, field);
      assert.match(answer.json().error.message, message);
    }
    assert.ok(!(await globex({ url: '/api/v1/mailboxes' })).json().mailboxes.some((m: { address: string }) => m.address === 'new@globex.test'), 'nothing stored');
  });

  it("refuses a sender address on a domain the tenant was not verified for: the service provider's or another tenant's", async () => {
    const globex = await as('admin@globex.test');
    for (const fromAddress of ['security@northwind.test', 'support@acme.test', 'helpdesk@localhost']) {
      const answer = await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'sender@globex.test', fromAddress } });
      assert.equal(answer.statusCode, 400, answer.body);
      assert.deepEqual([answer.json().error.code, answer.json().error.field], ['VALIDATION_FAILED', 'fromAddress']);
    }
    for (const address of ['security@northwind.test', 'desk@localhost', 'security@support.northwind.test']) {
      const answer = await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address } });
      assert.deepEqual([answer.statusCode, answer.json().error.field], [400, 'address'], "no support address on the installation's domains");
      assert.match(answer.json().error.message, /belongs to the installation or to another tenant/, address);
    }
    assert.ok(!(await globex({ url: '/api/v1/mailboxes' })).json().mailboxes.some((m: { address: string }) => ['sender@globex.test', 'security@northwind.test'].includes(m.address)), 'nothing stored');
  });

  it("lets only the service provider verify a tenant's sender domains: one tenant per domain, never the installation's", async () => {
    const url = (tenant: string, domain = '') => `/api/v1/sp/tenants/${tenant}/sender-domains${domain ? `/${domain}` : ''}`;
    const [sp, spAgent, globex] = await Promise.all([as('admin@northwind.test'), as('agent@northwind.test'), as('admin@globex.test')]);
    assert.equal((await call({ method: 'PUT', url: url('globex', 'globex.test'), host: 'globex.localhost' })).statusCode, 401);
    assert.equal((await globex({ method: 'PUT', url: url('globex', 'globex.test') })).statusCode, 403, 'a tenant administrator does not verify its own domains');
    assert.equal((await spAgent({ method: 'PUT', url: url('globex', 'globex.test') })).statusCode, 403);
    assert.equal((await globex({ url: url('globex') })).statusCode, 403);

    const verified = await sp({ method: 'PUT', url: url('globex', 'Globex.TEST') });
    assert.equal(verified.statusCode, 200, verified.body);
    assert.equal(verified.json().domain, 'globex.test');
    assert.equal((await sp({ method: 'PUT', url: url('globex', 'globex.test') })).statusCode, 200, 'again: the same');
    const taken = await sp({ method: 'PUT', url: url('acme', 'globex.test') });
    assert.deepEqual([taken.statusCode, taken.json().error.field], [409, 'domain'], "another tenant's domain");
    assert.equal((await sp({ method: 'PUT', url: url('acme', 'northwind.test') })).statusCode, 409, "the installation's domain");
    assert.equal((await sp({ method: 'PUT', url: url('acme', 'not_a_domain') })).statusCode, 400);
    assert.equal((await sp({ method: 'PUT', url: url('nobody', 'x.example') })).statusCode, 404);
    assert.deepEqual((await sp({ url: url('globex') })).json().domains.map((d: { domain: string }) => d.domain), ['globex.test']);

    // The tenant may now name a sender on it, and on it only.
    assert.equal((await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'billing@globex.test', fromAddress: 'billing@globex.test' } })).statusCode, 201);
    const acme = await as('admin@acme.test');
    assert.equal((await acme({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'sales@globex.test' } })).statusCode, 400, "no support address on another tenant's verified domain");
    assert.equal((await sp({ method: 'DELETE', url: url('globex', 'globex.test') })).statusCode, 204);
    assert.equal((await sp({ method: 'DELETE', url: url('globex', 'globex.test') })).statusCode, 404);
    assert.equal((await globex({ method: 'POST', url: '/api/v1/mailboxes', body: { address: 'sales@globex.test', fromAddress: 'sales@globex.test' } })).statusCode, 400);
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
