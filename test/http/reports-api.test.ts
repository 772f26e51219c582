import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { createConfigObject } from '../../src/desk/config/config-objects.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import type { Role } from '../../src/db/schema.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';

const PASSWORD = 'a long enough password';
const ADMIN_ROLE = { slug: 'test-admin', permissions: ['admin.*', 'ticket.*'] } as unknown as Role;

forEachDatabase('the reports API', (db) => {
  let app: FastifyInstance;
  let shards: Shards;
  const ids: Record<string, number> = {};

  const login = async (host: string, email: string) => {
    const res = await app.inject({ method: 'POST', url: '/api/v1/auth/login', headers: { host }, payload: { email, password: PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    return `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}`;
  };
  const get = async (host: string, cookie: string | undefined, url: string, headers: Record<string, string> = {}) =>
    app.inject({ url, headers: { host, ...(cookie ? { cookie } : {}), ...headers } });

  before(async () => {
    shards = new Shards(db());
    for (const [slug, silo] of [['sp', false], ['acme', false], ['vault', true]] as const) {
      ids[slug] = (await createTenant(db(), DEFAULT_TENANCY, { slug, name: slug, hosts: [`${slug}.localhost`], silo }, shards)).id;
    }
    const catalog = await Catalog.load(db(), 0);
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
    const admin = await createContact(ctx, { tenantId: ids.sp!, kind: 'staff', email: 'admin@sp.test', name: 'Admin', password: PASSWORD, roles: ['sp-admin'] });
    await createContact(ctx, { tenantId: ids.acme!, kind: 'agent', email: 'agent@acme.test', name: 'Agent', password: PASSWORD, roles: ['agent'] });
    await createContact(ctx, { tenantId: ids.acme!, kind: 'customer', email: 'customer@acme.test', name: 'Customer', password: PASSWORD, roles: ['customer'] });
    const desk = { ...ctx, actor: { contactId: admin.id as string, kind: 'staff' as const, activeRole: ADMIN_ROLE } };
    const department = await createConfigObject(desk, 'department', { tenant_id: ids.acme, name: '=HYPERLINK("http://evil")' });
    for (let i = 0; i < 3; i++) await createTicket(desk, { tenantId: ids.acme!, subject: `Acme ${i}`, body: 'x', departmentId: department.id as string });
    for (let i = 0; i < 2; i++) await createTicket(desk, { tenantId: ids.vault!, subject: `Vault ${i}`, body: 'x' });
    app = await buildApp({ database: db(), shards, catalog, settings: DEFAULT_TENANCY, trustProxy: false });
  });
  after(async () => {
    await app?.close();
    await shards?.close();
  });

  it('refuses the unauthenticated and customers', async () => {
    assert.equal((await get('acme.localhost', undefined, '/api/v1/reports/summary')).statusCode, 401);
    const customer = await login('acme.localhost', 'customer@acme.test');
    const refused = await get('acme.localhost', customer, '/api/v1/reports/summary');
    assert.equal(refused.statusCode, 403, refused.body);
  });

  it('answers a tenant agent for its own tenant only, even when it names another', async () => {
    const agent = await login('acme.localhost', 'agent@acme.test');
    const own = await get('acme.localhost', agent, '/api/v1/reports/summary');
    assert.equal(own.statusCode, 200, own.body);
    assert.deepEqual([own.json().open, own.json().created, own.json().tenants], [3, 3, undefined]);
    const other = await get('acme.localhost', agent, `/api/v1/reports/summary?tenantId=${ids.vault}`);
    assert.deepEqual([other.json().open, other.json().created], [0, 0]);
    assert.equal((await get('acme.localhost', agent, '/api/v1/reports/summary?from=yesterday')).statusCode, 400);
  });

  it('gives the service provider every tenant, pool and silo, with a per-tenant breakdown', async () => {
    const admin = await login('sp.localhost', 'admin@sp.test');
    const res = await get('sp.localhost', admin, `/api/v1/reports/summary?from=${encodeURIComponent(new Date(Date.now() - 86_400_000).toISOString())}`);
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.deepEqual([body.open, body.created, body.overdue, body.slaCompliance], [5, 5, 0, null]);
    assert.deepEqual(body.tenants.map((t: { tenant: string; created: number }) => `${t.tenant}:${t.created}`), ['acme:3', 'vault:2']);
    assert.match(body.from, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    const daily = await get('sp.localhost', admin, '/api/v1/reports/daily?timeZone=America/New_York');
    assert.equal(daily.json().days.reduce((n: number, d: { created: number }) => n + d.created, 0), 5);
  });

  it('exports CSV on request, by query or by Accept header, with spreadsheet formulas neutralised', async () => {
    const admin = await login('sp.localhost', 'admin@sp.test');
    const summary = await get('sp.localhost', admin, '/api/v1/reports/summary?format=csv');
    assert.equal(summary.statusCode, 200, summary.body);
    assert.match(String(summary.headers['content-type']), /^text\/csv/);
    const lines = summary.body.trimEnd().split('\r\n');
    assert.equal(lines[0], 'tenant,open,overdue,created,resolved,firstResponseMedian,firstResponseP90,resolutionMedian,resolutionP90,slaCompliance');
    assert.deepEqual(lines.slice(1), ['acme,3,0,3,0,,,,,', 'vault,2,0,2,0,,,,,', '(all),5,0,5,0,,,,,']);
    const backlog = await get('sp.localhost', admin, '/api/v1/reports/backlog?by=department', { accept: 'text/csv' });
    assert.match(String(backlog.headers['content-type']), /^text\/csv/);
    const rows = backlog.body.trimEnd().split('\r\n');
    assert.equal(rows[0], 'department,label,open,pending,overdue,total');
    assert.ok(rows.some((r) => r.endsWith(`,"'=HYPERLINK(""http://evil"")",3,0,0,3`)), rows.join('\n'));
    assert.ok(rows.includes(',,2,0,0,2'), 'the silo’s tickets have no department');
  });
});
