import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { sql } from 'kysely';
import { DEMO_PASSWORD, seedDemo } from '../../src/demo/seed-demo.ts';
import { buildApp } from '../../src/http/app.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { addTenantHost } from '../../src/tenancy/catalog/tenant-hosts.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';

type Call = { method?: 'GET' | 'POST' | 'PUT' | 'DELETE'; url: string; host: string; headers?: Record<string, string>; body?: object; ip?: string };

forEachDatabase('sign-in security, API keys and password reset', (db) => {
  let app: FastifyInstance;

  const call = (c: Call): Promise<LightMyRequestResponse> =>
    app.inject({
      method: c.method ?? 'GET',
      url: c.url,
      remoteAddress: c.ip ?? '127.0.0.1',
      headers: { host: c.host, ...(c.method && c.method !== 'GET' ? { origin: `http://${c.host}` } : {}), ...c.headers },
      ...(c.body ? { payload: c.body } : {}),
    });
  const login = (host: string, email: string, password: string, ip?: string) =>
    call({ method: 'POST', url: '/api/v1/auth/login', host, body: { email, password }, ...(ip ? { ip } : {}) });
  const cookieOf = (res: LightMyRequestResponse) => `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}`;
  const audit = async (action: string) =>
    db().owner.selectFrom('audit_events').select(['tenant_id', 'action', 'data']).where('action', '=', action).execute();

  before(async () => {
    await seedDemo(new Shards(db()), DEFAULT_TENANCY);
    await addTenantHost(db(), 'acme', 'support.acme.test');
    const catalog = await Catalog.load(db(), 0);
    app = await buildApp({
      database: db(),
      catalog,
      settings: DEFAULT_TENANCY,
      trustProxy: false,
      identity: { throttle: { maxPerAccountClient: 3, maxPerIp: 8, windowMs: 60_000 }, publicScheme: 'https' },
    });
  });
  after(async () => app?.close());

  /*
   * No timed test: a client's failures on an account are moved in time instead of waiting. `pin`
   * puts them 30 s ahead, so the next attempt is surely inside its delay, whatever the machine's
   * speed, and its Retry-After is 30 s plus the delay; `waitOut` puts them 40 s back (still in the
   * suite's 60 s window, past any delay before the window's cap).
   */
  const moveFailures = (email: string, ip: string, seconds: number) =>
    sql`update sign_in_failures set failed_at = now() + make_interval(secs => ${seconds})
      where throttle_key like ${`account-client:%:${email}:${ip}`}`.execute(db().owner);
  const pin = (email: string, ip: string) => moveFailures(email, ip, 30);
  const waitOut = (email: string, ip: string) => moveFailures(email, ip, -40);

  it('slows down the client that fails on an account, with growing delays (429 and Retry-After)', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await login('globex.localhost', 'agent@globex.test', 'nope', '10.0.0.1')).statusCode, 401);
    await pin('agent@globex.test', '10.0.0.1');
    const slowed = await login('globex.localhost', 'agent@globex.test', DEMO_PASSWORD, '10.0.0.1');
    assert.equal(slowed.statusCode, 429, 'even with the right password, this client waits');
    assert.equal(slowed.json().error.code, 'RATE_LIMITED');
    const first = Number(slowed.headers['retry-after']);
    assert.ok(first >= 30 && first <= 31, `30 s ahead plus 1 s: ${first}`);
    for (let i = 0; i < 4; i++) {
      await waitOut('agent@globex.test', '10.0.0.1');
      assert.equal((await login('globex.localhost', 'agent@globex.test', 'nope', '10.0.0.1')).statusCode, 401, 'after the wait, one more try');
    }
    await pin('agent@globex.test', '10.0.0.1');
    const later = Number((await login('globex.localhost', 'agent@globex.test', DEMO_PASSWORD, '10.0.0.1')).headers['retry-after']);
    assert.ok(later >= 45 && later <= 46, `four failures more: 16 s instead of 1 (${later})`);
    assert.equal((await audit('auth.sign_in_failed')).length >= 7, true, 'failed sign-ins are audited');
  });

  it("lets the account's owner sign in from another client while a stranger is slowed on it", async () => {
    for (let i = 0; i < 3; i++) await login('globex.localhost', 'agent@globex.test', 'guess', '10.6.6.6');
    await pin('agent@globex.test', '10.6.6.6');
    assert.equal((await login('globex.localhost', 'agent@globex.test', 'guess', '10.6.6.6')).statusCode, 429);
    const owner = await login('globex.localhost', 'agent@globex.test', DEMO_PASSWORD, '10.0.0.2');
    assert.equal(owner.statusCode, 200, owner.body);
    assert.equal((await login('globex.localhost', 'agent@globex.test', 'guess', '10.6.6.6')).statusCode, 429, 'and the stranger still waits');
  });

  it('slows an unknown account exactly like a real one (no enumeration)', async () => {
    const attempts = async (email: string, ip: string) => {
      const codes: number[] = [];
      for (let i = 0; i < 3; i++) codes.push((await login('globex.localhost', email, 'nope', ip)).statusCode);
      await pin(email, ip);
      const last = await login('globex.localhost', email, 'nope', ip);
      return { codes, last: [last.statusCode, last.json().error.code, Number(last.headers['retry-after']) >= 30] };
    };
    const ghost = await attempts('ghost@globex.test', '10.0.0.3');
    assert.deepEqual(ghost, { codes: [401, 401, 401], last: [429, 'RATE_LIMITED', true] });
    assert.deepEqual(await attempts('customer@globex.test', '10.0.0.4'), ghost);
    assert.equal((await login('globex.localhost', 'ghost@globex.test', 'nope', '10.0.0.5')).statusCode, 401, 'another client is not slowed');
  });

  it('throttles one client address across accounts', async () => {
    for (let i = 0; i < 8; i++) await login('acme-eu.localhost', `user${i}@acme-eu.test`, 'nope', '10.9.9.9');
    // Surely inside the client's delay, however slow the machine (see `pin`).
    await sql`update sign_in_failures set failed_at = now() + interval '30 seconds' where throttle_key = 'ip:10.9.9.9'`.execute(db().owner);
    const res = await login('acme-eu.localhost', 'agent@acme-eu.test', DEMO_PASSWORD, '10.9.9.9');
    assert.equal(res.statusCode, 429);
    assert.equal((await login('acme-eu.localhost', 'agent@acme-eu.test', DEMO_PASSWORD, '10.9.9.10')).statusCode, 200);
  });

  it('audits sign-ins and role switches in the tenant’s log', async () => {
    const cookie = cookieOf(await login('acme.localhost', 'agent@acme.test', DEMO_PASSWORD));
    await call({ method: 'PUT', url: '/api/v1/me/active-role', host: 'acme.localhost', headers: { cookie }, body: { role: 'agent' } });
    const acmeId = (await db().owner.selectFrom('tenants').select('id').where('slug', '=', 'acme').executeTakeFirstOrThrow()).id;
    assert.ok((await audit('auth.signed_in')).some((e) => e.tenant_id === acmeId));
    assert.ok((await audit('auth.role_switched')).some((e) => e.tenant_id === acmeId));
  });

  it('creates an API key shown once, usable as a Bearer token on its tenant only, revoked at once', async () => {
    const cookie = cookieOf(await login('acme.localhost', 'agent@acme.test', DEMO_PASSWORD));
    const created = await call({ method: 'POST', url: '/api/v1/me/api-keys', host: 'acme.localhost', headers: { cookie }, body: { name: 'ci' } });
    assert.equal(created.statusCode, 201, created.body);
    const { id, key } = created.json() as { id: string; key: string };
    const listed = await call({ url: '/api/v1/me/api-keys', host: 'acme.localhost', headers: { cookie } });
    // td_<16 hex>_<secret>: the secret itself may contain '_', so it is cut by position.
    assert.ok(!listed.body.includes(key.slice('td_'.length + 16 + 1)), 'the secret is never shown again');
    const bearer = { authorization: `Bearer ${key}` };
    const me = await call({ url: '/api/v1/me', host: 'acme.localhost', headers: bearer });
    assert.equal(me.json().contact.email, 'agent@acme.test');
    assert.equal((await call({ url: '/api/v1/me', host: 'globex.localhost', headers: bearer })).statusCode, 401);
    const noOrigin = await app.inject({ method: 'PUT', url: '/api/v1/me/active-role', headers: { host: 'acme.localhost', ...bearer }, payload: { role: 'agent' } });
    assert.equal(noOrigin.json().error.code, 'FORBIDDEN', 'a key has one fixed role');
    assert.equal((await call({ method: 'DELETE', url: `/api/v1/me/api-keys/${id}`, host: 'acme.localhost', headers: { cookie } })).statusCode, 204);
    assert.equal((await call({ url: '/api/v1/me', host: 'acme.localhost', headers: bearer })).statusCode, 401);
    const tampered = `${key.slice(0, -2)}xx`;
    assert.equal((await call({ url: '/api/v1/me', host: 'acme.localhost', headers: { authorization: `Bearer ${tampered}` } })).statusCode, 401);
  });

  it('honours an API key’s IP allow-list', async () => {
    const cookie = cookieOf(await login('acme.localhost', 'agent@acme.test', DEMO_PASSWORD));
    const created = await call({ method: 'POST', url: '/api/v1/me/api-keys', host: 'acme.localhost', headers: { cookie }, body: { allowedIps: ['192.168.10.0/24'] } });
    const bearer = { authorization: `Bearer ${created.json().key}` };
    assert.equal((await call({ url: '/api/v1/me', host: 'acme.localhost', headers: bearer, ip: '192.168.10.7' })).statusCode, 200);
    assert.equal((await call({ url: '/api/v1/me', host: 'acme.localhost', headers: bearer, ip: '192.168.11.7' })).statusCode, 401);
    const bad = await call({ method: 'POST', url: '/api/v1/me/api-keys', host: 'acme.localhost', headers: { cookie }, body: { allowedIps: ['not-an-ip'] } });
    assert.equal(bad.json().error.field, 'allowedIps');
  });

  it('builds the reset link from the tenant’s configured host, whatever Host the request used', async () => {
    const res = await call({ method: 'POST', url: '/api/v1/auth/password-reset', host: 'support.acme.test', headers: { 'x-forwarded-host': 'evil.example' }, body: { email: 'customer@acme.test' } });
    assert.equal(res.statusCode, 202);
    const unknown = await call({ method: 'POST', url: '/api/v1/auth/password-reset', host: 'acme.localhost', body: { email: 'nobody@acme.test' } });
    assert.deepEqual([unknown.statusCode, unknown.json()], [202, res.json()], 'the same answer for an unknown address');
    const mails = await db().owner.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'customer@acme.test').execute();
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.body_text, /https:\/\/acme\.localhost\/reset-password\?token=/);
    assert.ok(!mails[0]!.body_text.includes('evil.example') && !mails[0]!.body_text.includes('support.acme.test'));
  });

  it('keeps the port in the reset link when the request came to the tenant’s own host (the demo on 8080)', async () => {
    await db().owner.deleteFrom('mail_outbox').where('to_address', '=', 'customer@acme.test').execute();
    assert.equal((await call({ method: 'POST', url: '/api/v1/auth/password-reset', host: 'acme.localhost:8080', body: { email: 'customer@acme.test' } })).statusCode, 202);
    const mails = await db().owner.selectFrom('mail_outbox').selectAll().where('to_address', '=', 'customer@acme.test').execute();
    assert.equal(mails.length, 1);
    assert.match(mails[0]!.body_text, /https:\/\/acme\.localhost:8080\/reset-password\?token=/);
  });

  it('uses a reset token once, on its tenant only, and ends existing sessions', async () => {
    const old = cookieOf(await login('acme.localhost', 'customer@acme.test', DEMO_PASSWORD));
    await call({ method: 'POST', url: '/api/v1/auth/password-reset', host: 'acme.localhost', body: { email: 'customer@acme.test' } });
    const [mail] = await db().owner.selectFrom('mail_outbox').select('body_text').where('to_address', '=', 'customer@acme.test').orderBy('created_at', 'desc').limit(1).execute();
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail!.body_text)![1]!;
    const body = { token, password: 'a brand new password' };
    const elsewhere = await call({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', host: 'globex.localhost', body });
    assert.equal(elsewhere.json().error.code, 'VALIDATION_FAILED');
    assert.equal((await call({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', host: 'acme.localhost', body })).statusCode, 200);
    assert.equal((await call({ method: 'POST', url: '/api/v1/auth/password-reset/confirm', host: 'acme.localhost', body })).statusCode, 400, 'single use');
    assert.equal((await call({ url: '/api/v1/me', host: 'acme.localhost', headers: { cookie: old } })).statusCode, 401);
    assert.equal((await login('acme.localhost', 'customer@acme.test', 'a brand new password')).statusCode, 200);
  });

  it('ends a session when it expires', async () => {
    const shortLived = await buildApp({ database: db(), catalog: await Catalog.load(db(), 0), settings: DEFAULT_TENANCY, trustProxy: false, identity: { sessionTtlMs: 300 } });
    try {
      const res = await shortLived.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host: 'globex.localhost' }, payload: { email: 'customer@globex.test', password: DEMO_PASSWORD } });
      const cookie = cookieOf(res);
      assert.equal((await shortLived.inject({ url: '/api/v1/me', headers: { host: 'globex.localhost', cookie } })).statusCode, 200);
      await new Promise((resolve) => setTimeout(resolve, 400));
      assert.equal((await shortLived.inject({ url: '/api/v1/me', headers: { host: 'globex.localhost', cookie } })).statusCode, 401);
    } finally {
      await shortLived.close();
    }
  });
});
