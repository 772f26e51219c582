import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { objectType, type ObjectTypeName } from '../../src/db/registry.ts';
import { hasPermission } from '../../src/identity/permissions.ts';
import { buildApp } from '../../src/http/app.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { isPublic, policyOf, ROUTE_POLICIES, routeKey, type RoutePolicy } from '../../src/http/route-policies.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, hostOf, multipartBody, type Call } from '../support/desk-app.ts';

/**
 * Every operation of the OpenAPI document, called by every kind of caller, against the route
 * policy table (src/http/route-policies.ts): anonymous callers get 401 on protected routes, a role
 * the entry refuses gets 403 (404 where the entry hides the resource), a permitted caller never
 * 401 or 403 — and refusals come before validation, since every write carries an invalid body.
 * Then what callers see: canary objects of tenants a caller may not read never appear in a 2xx
 * answer of any read, list, lookup, search, report or CSV export.
 */
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
type Operation = { method: Method; path: string; route: string; params: Record<string, { enum?: string[] }>; query: Record<string, { enum?: string[]; required: boolean }>; jsonBody: boolean; csv: boolean };
type OpenApi = {
  paths: Record<string, Record<string, { parameters?: { in: string; name: string; required?: boolean; schema?: { enum?: string[] } }[]; requestBody?: { content: Record<string, unknown> }; responses?: Record<string, { content?: Record<string, unknown> }> }>>;
};

type Tenant = 'acme' | 'acme-eu' | 'globex' | 'northwind';
type Caller = {
  name: string;
  host: string;
  tenant: Tenant;
  cookie?: string;
  apiKey?: string;
  kind?: string;
  permissions: string[];
  /** The tenants whose canaries this caller must never see. */
  blind: Tenant[];
  /** Canaries of its own tenant it must not see either (a customer: notes, canned responses, others' tickets). */
  blindOwn: CanaryKind[];
  /** The ticket it reads, for its own cells. */
  ownTicket: string;
  contactId?: string;
};
type CanaryKind = 'ticket' | 'note' | 'contact' | 'canned' | 'file';
type Canary = Record<CanaryKind, string> & { ticketId: string; contactId: string; cannedId: string; attachmentId: string; tenantId: number };

const operationsOf = (doc: OpenApi): Operation[] =>
  Object.entries(doc.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const parameters = op.parameters ?? [];
      const named = (where: string) => parameters.filter((p) => p.in === where);
      const ok = op.responses?.['200']?.content ?? {};
      return {
        method: method.toUpperCase() as Method,
        path,
        route: path.replace(/\{(\w+)\}/g, ':$1'),
        params: Object.fromEntries(named('path').map((p) => [p.name, { ...(p.schema?.enum ? { enum: p.schema.enum } : {}) }])),
        query: Object.fromEntries(named('query').map((p) => [p.name, { required: p.required === true, ...(p.schema?.enum ? { enum: p.schema.enum } : {}) }])),
        jsonBody: 'application/json' in (op.requestBody?.content ?? {}),
        csv: 'text/csv' in ok,
      };
    }),
  );

/** The registry type a path's `{id}` names: `/api/v1/canned-responses/{id}` -> cannedResponse. */
const TYPE_OF_SEGMENT: Record<string, ObjectTypeName> = {
  tickets: 'ticket',
  contacts: 'contact',
  attachments: 'attachment',
  roles: 'role',
  departments: 'department',
  teams: 'team',
  'team-members': 'teamMember',
  'help-topics': 'helpTopic',
  'sla-plans': 'slaPlan',
  'canned-responses': 'cannedResponse',
  'ticket-filters': 'ticketFilter',
  'ticket-statuses': 'ticketStatus',
  categories: 'category',
  locations: 'location',
  mailboxes: 'mailbox',
};

/** Reference fields whose choices the lookups route lists (contacts among them: the canary contact). */
const LOOKUPS = [
  ['ticket', 'requester_id'],
  ['ticket', 'assignee_id'],
  ['ticket', 'department_id'],
  ['ticket', 'category_id'],
];

/**
 * The lookup the policy matrix calls: a field of every caller's new-ticket form. Which fields each
 * role may list is the lookups' own table (test/http/lookups-api.test.ts); the leak check walks all.
 */
const EVERY_FORM_LOOKUP = ['ticket', 'category_id'];

/** Whether the entry lets this signed-in caller in. */
function admits(policy: RoutePolicy, caller: Caller): boolean {
  const { who } = policy;
  if ('anyone' in who || 'signedIn' in who) return true;
  const role = { permissions: caller.permissions };
  if ('agent' in who) return caller.kind !== 'customer' && hasPermission(role, 'ticket.note');
  return hasPermission(role, who.permission) && (!who.serviceProviderHost || caller.host === 'desk.localhost');
}

forEachDatabase('the authorization matrix over the OpenAPI document', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let operations: Operation[];
  let dataDir: string;
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  const callers: Caller[] = [];
  const canaries = new Map<Tenant, Canary>();
  const tenantIds = new Map<Tenant, number>();

  /** A caller's request: its host, its session cookie (or, on osTicket's routes, its API key). */
  const send = (caller: Caller, op: Operation, c: Omit<Call, 'host'>) => {
    const policy = policyOf(op.method, op.route)!;
    const credential = policy.credential === 'x-api-key' ? (caller.apiKey ? { headers: { 'x-api-key': caller.apiKey, ...c.headers } } : {}) : caller.cookie ? { cookie: caller.cookie } : {};
    return call({ ...c, ...credential, host: caller.host });
  };

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-matrix-'));
    desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes: 1024 * 1024 } });
    ({ app, call } = desk);
    for (const t of ['acme', 'acme-eu', 'globex', 'northwind'] as Tenant[]) tenantIds.set(t, desk.catalog.snapshot().bySlug.get(t)!.id);
    const spAdmin = await desk.as('admin@northwind.test');
    const ok = async (res: LightMyRequestResponse | Promise<LightMyRequestResponse>, status = 201) => {
      const r = await res;
      assert.equal(r.statusCode, status, r.body);
      return r.json() as Record<string, string>;
    };
    // The demo has no tenant administrator login: acme gets one.
    await ok(spAdmin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: 'acme', kind: 'agent', email: 'admin@acme.test', name: 'Acme admin', password: DEMO_PASSWORD, roles: ['tenant-admin'] } }));

    // Canaries: a ticket (assigned to a canary agent, with a note), a note on a customer's own ticket, a contact, a canned response.
    const ownTickets = new Map<string, string>();
    for (const t of ['acme', 'globex'] as const) {
      const word = (kind: string) => `canary${kind}${randomUUID().slice(0, 8)}`;
      const agent = await desk.as(`agent@${t}.test`);
      const contact = await ok(spAdmin({ method: 'POST', url: '/api/v1/contacts', body: { tenant: t, kind: 'agent', email: `canary@${t}.test`, name: word('contact'), roles: ['agent'] } }));
      const subject = word('ticket');
      const ticket = await ok(agent({ method: 'POST', url: '/api/v1/tickets', body: { subject, body: `<p>${subject}</p>`, assigneeId: contact.id } }));
      const note = word('note');
      const file = word('file');
      // A note with a file on it: on the canary ticket, and on the tenant's customer's own ticket.
      const noteWithFile = async (ticketId: string) => {
        const entry = await ok(agent({ method: 'POST', url: `/api/v1/tickets/${ticketId}/notes`, body: { body: `<p>${note}</p>` } }));
        const upload = multipartBody('file', `${file}.txt`, 'text/plain', Buffer.from(file));
        return ok(agent({ method: 'POST', url: `/api/v1/tickets/${ticketId}/entries/${entry.id}/attachments`, body: upload.body, headers: upload.headers }));
      };
      const attachment = await noteWithFile(ticket.id!);
      const own = await ok((await desk.as(`customer@${t}.test`))({ method: 'POST', url: '/api/v1/tickets', body: { subject: `${t} customer's ticket`, body: '<p>help</p>' } }));
      await noteWithFile(own.id!);
      ownTickets.set(t, own.id!);
      const cannedText = word('canned');
      const canned = await ok(spAdmin({ method: 'POST', url: '/api/v1/canned-responses', body: { tenantId: tenantIds.get(t), title: cannedText, bodyHtml: `<p>${cannedText}</p>` } }));
      canaries.set(t, { ticket: subject, note, contact: contact.name!, canned: cannedText, file, ticketId: ticket.id!, contactId: contact.id!, cannedId: canned.id!, attachmentId: attachment.id!, tenantId: tenantIds.get(t)! });
    }
    const euTicket = await ok((await desk.as('customer@acme-eu.test'))({ method: 'POST', url: '/api/v1/tickets', body: { subject: 'acme-eu customer ticket', body: '<p>hi</p>' } }));

    const people: [string, Tenant, Tenant[], CanaryKind[], string][] = [
      ['customer@acme.test', 'acme', ['globex'], ['ticket', 'note', 'canned', 'file'], ownTickets.get('acme')!],
      ['customer@acme-eu.test', 'acme-eu', ['acme', 'globex'], [], euTicket.id!],
      ['agent@globex.test', 'globex', ['acme'], [], ownTickets.get('globex')!],
      ['agent@acme.test', 'acme', ['globex'], [], ownTickets.get('acme')!],
      ['admin@acme.test', 'acme', ['globex'], [], ownTickets.get('acme')!],
      ['agent@northwind.test', 'northwind', [], [], ownTickets.get('acme')!],
      ['admin@northwind.test', 'northwind', [], [], ownTickets.get('acme')!],
    ];
    callers.push({ name: 'anonymous', host: 'acme.localhost', tenant: 'acme', permissions: [], blind: ['acme', 'globex'], blindOwn: [], ownTicket: ownTickets.get('acme')! });
    for (const [email, tenant, blind, blindOwn, ownTicket] of people) {
      const as = await desk.as(email);
      const me = (await as({ url: '/api/v1/me' })).json() as { contact: { id: string; kind: string }; activeRole: { permissions: string[] } };
      const key = await ok(as({ method: 'POST', url: '/api/v1/me/api-keys', body: { name: 'matrix' } }));
      const cookie = (await login(email)).cookie;
      callers.push({ name: email, host: hostOf(email), tenant, cookie, apiKey: key.key!, kind: me.contact.kind, contactId: me.contact.id, permissions: me.activeRole.permissions, blind, blindOwn, ownTicket });
    }
    operations = operationsOf((await call({ url: '/api/openapi.json', host: 'acme.localhost' })).json() as OpenApi);
    assert.ok(operations.length > 80, `the OpenAPI document lists the operations (${operations.length})`);
  });
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function login(email: string): Promise<{ cookie: string }> {
    const res = await call({ method: 'POST', url: '/api/v1/auth/login', host: hostOf(email), body: { email, password: DEMO_PASSWORD } });
    assert.equal(res.statusCode, 200, res.body);
    return { cookie: `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}` };
  }

  /** An id of `type` in `tenant` (or public when the tenant has none), straight from the database. */
  async function rowOf(type: ObjectTypeName, tenant: number, publicToo: boolean): Promise<string> {
    const { table, tenantColumn } = objectType(type);
    const column = sql.ref(tenantColumn ?? 'tenant_id');
    const row = await sql<{ id: string }>`select id::text as id from ${sql.table(table)} where ${column} = ${tenant} ${publicToo ? sql`or ${column} is null` : sql``} order by ${column} nulls last limit 1`.execute(db().owner);
    return row.rows[0]?.id ?? randomUUID();
  }

  /** The path with its parameters: the caller's own objects, or (foreign) another tenant's canaries. */
  async function pathFor(op: Operation, caller: Caller, foreign?: Tenant, lookup?: string[]): Promise<string> {
    const segments = op.path.split('/');
    const out: string[] = [];
    for (const [i, segment] of segments.entries()) {
      const name = /^\{(\w+)\}$/.exec(segment)?.[1];
      if (!name) {
        out.push(segment);
        continue;
      }
      const type = TYPE_OF_SEGMENT[segments[i - 1]!];
      const canary = foreign ? canaries.get(foreign) : undefined;
      const target = foreign ? tenantIds.get(foreign)! : tenantIds.get(caller.tenant === 'northwind' ? 'acme' : caller.tenant)!;
      let value: string;
      if (name === 'type' || name === 'field') value = lookup![name === 'type' ? 0 : 1]!;
      else if (op.params[name]?.enum) value = op.params[name].enum[0]!;
      else if (name === 'slug') value = foreign ?? 'acme';
      else if (type === 'ticket') value = canary?.ticketId ?? caller.ownTicket;
      else if (type === 'contact') value = canary?.contactId ?? caller.contactId ?? randomUUID();
      else if (type === 'cannedResponse' && canary) value = canary.cannedId;
      else if (type === 'attachment' && canary) value = canary.attachmentId;
      else if (type) value = await rowOf(type, target, !foreign);
      else value = randomUUID();
      out.push(encodeURIComponent(value));
    }
    return out.join('/');
  }

  /** What this cell must answer, from the policy table alone. */
  function expectation(policy: RoutePolicy, caller: Caller): 'admitted' | 401 | 403 | 404 {
    if (isPublic(policy)) return 'admitted';
    if (!caller.cookie) return 401;
    if (admits(policy, caller)) return 'admitted';
    return policy.refuseAsNotFound ? 404 : 403;
  }

  it('has an entry for every operation, and every entry is a route', () => {
    const missing = operations.filter((op) => !policyOf(op.method, op.route)).map((op) => `${op.method} ${op.path}`);
    assert.deepEqual(missing, [], 'operations with no entry in src/http/route-policies.ts');
    const documented = new Set(operations.map((op) => routeKey(op.method, op.route)));
    const hidden = [...ROUTE_POLICIES.keys()].filter((key) => !documented.has(key));
    // Routes the OpenAPI document leaves out on purpose: its own, the docs, the front end.
    assert.deepEqual(hidden.filter((key) => !/^GET (\/api\/openapi\.json|\/api\/docs.*|\/\*|<a file of the built front end>)$/.test(key)), [], 'entries naming no route');
  });

  it('answers every caller as the policy table says, refusals before validation', async () => {
    const failures: string[] = [];
    let cells = 0;
    for (const op of operations) {
      const policy = policyOf(op.method, op.route)!;
      for (const caller of callers) {
        const write = op.method !== 'GET';
        // Writes carry invalid input (a bad id, an unknown field, no message): a refusal must come first,
        // and an admitted caller gets a validation error, so the matrix changes nothing.
        const path = write ? op.path.replace(/\{(\w+)\}/g, 'not-valid!') : await pathFor(op, caller, undefined, EVERY_FORM_LOOKUP);
        const query = Object.entries(op.query)
          .filter(([, q]) => q.required)
          .map(([name, q]) => `${name}=${q.enum?.[0] ?? 'x'}`)
          .join('&');
        let who = caller;
        // Signing out really signs out: a session of its own for that cell.
        if (op.route === '/api/v1/auth/logout' && caller.cookie) who = { ...caller, ...(await login(caller.name)) };
        const res = await send(who, op, {
          method: op.method,
          url: `${path}${query ? `?${query}` : ''}`,
          ...(write ? (op.jsonBody ? { body: { matrixUnknownField: true } } : op.path.endsWith('.email') ? { body: '' } : {}) : {}),
        });
        cells++;
        const expected = expectation(policy, caller);
        const label = `${op.method} ${op.path} as ${caller.name}: expected ${expected}, got ${res.statusCode} ${res.body.slice(0, 200)}`;
        if (res.statusCode >= 500) failures.push(label);
        else if (expected === 'admitted' ? res.statusCode === 401 || res.statusCode === 403 : res.statusCode !== expected) failures.push(label);
        else if (write && res.statusCode < 300 && op.route !== '/api/v1/auth/logout') failures.push(`${label} (an invalid write succeeded)`);
      }
    }
    assert.deepEqual(failures, [], `${failures.length} of ${cells} cells differ from the policy table`);
  });

  it('never shows a caller what it may not read: canaries in no 2xx answer of any read, lookup, search, report or CSV', async () => {
    const leaks: string[] = [];
    const answeredForeign: string[] = [];
    let cells = 0;
    for (const caller of callers) {
      const secrets = [
        ...caller.blind.flatMap((t) => Object.values(canaries.get(t) ?? {}).filter((v): v is string => typeof v === 'string' && v.startsWith('canary'))),
        ...caller.blindOwn.map((kind) => canaries.get(caller.tenant as 'acme')![kind]),
      ];
      for (const op of operations.filter((o) => o.method === 'GET')) {
        const lookups = op.route.includes(':type') ? LOOKUPS : [undefined];
        for (const foreign of [undefined, ...caller.blind.filter((t) => canaries.has(t))]) {
          for (const lookup of lookups) {
            for (const csv of op.csv ? [false, true] : [false]) {
              const path = await pathFor(op, caller, foreign, lookup);
              const query = new URLSearchParams();
              for (const [name, q] of Object.entries(op.query)) {
                if (q.required) query.set(name, q.enum?.includes('agent') ? 'agent' : (q.enum?.[0] ?? 'x'));
                // Asking for another tenant outright: by id, by slug, or searching for its canary.
                if (foreign && name === 'tenantId') query.set(name, String(tenantIds.get(foreign)));
                if (foreign && name === 'tenant') query.set(name, foreign);
                if (name === 'q') query.set(name, (canaries.get(foreign ?? 'acme') ?? canaries.get('acme')!).ticket);
                // A counted knowledge-base search keeps the words typed, for the searcher's tenant's report of
                // unanswered searches: the matrix's own canary words would come back there as typed, not leaked.
                if (name === 'suggest') query.set(name, 'true');
              }
              if (csv) query.set('format', 'csv');
              const url = `${path}${query.size ? `?${query}` : ''}`;
              const res = await send(caller, op, { method: 'GET', url });
              cells++;
              const label = `GET ${url} as ${caller.name} -> ${res.statusCode}`;
              if (res.statusCode < 300) {
                const seen = secrets.filter((s) => res.body.includes(s));
                if (seen.length) leaks.push(`${label}: ${seen.join(', ')}`);
                // Another tenant's object, addressed by its id: never answered.
                if (foreign && /\{id\}$/.test(op.path) && TYPE_OF_SEGMENT[op.path.split('/').at(-2)!]) answeredForeign.push(label);
              }
            }
          }
        }
      }
    }
    assert.ok(cells > 300, `the walk made ${cells} reads`);
    // Lookups listing a parent tenant's contacts to a subtenant's customer is issue 18 item 1, fixed on its own branch.
    assert.deepEqual(leaks, [], 'answers showing objects the caller may not read');
    assert.deepEqual(answeredForeign, [], 'another tenant’s objects answered');
  });

  it('lets only agents read canned responses: a customer gets 404 and never their text (item 5)', async () => {
    const acme = canaries.get('acme')!;
    const customer = callers.find((c) => c.name === 'customer@acme.test')!;
    const agent = callers.find((c) => c.name === 'agent@acme.test')!;
    const read = (caller: Caller, url: string) => call({ url, host: caller.host, cookie: caller.cookie! });
    for (const url of ['/api/v1/canned-responses', `/api/v1/canned-responses/${acme.cannedId}`]) {
      const refused = await read(customer, url);
      assert.equal(refused.statusCode, 404, refused.body);
      assert.ok(!refused.body.includes(acme.canned), url);
      const answered = await read(agent, url);
      assert.equal(answered.statusCode, 200, answered.body);
      assert.ok(answered.body.includes(acme.canned), `an agent reads them: ${url}`);
    }
  });

  it('refuses an unauthenticated request before looking at its body (item 9)', async () => {
    const osTicket = await call({ method: 'POST', url: '/api/tickets.json', host: 'acme.localhost', body: { nmae: 'typo' } });
    assert.equal(osTicket.statusCode, 401, osTicket.body);
    assert.equal(osTicket.body, 'API key not authorized');
    const api = await call({ method: 'POST', url: '/api/v1/tickets', host: 'acme.localhost', body: { wrong: 'field' } });
    assert.equal(api.statusCode, 401, api.body);
    assert.equal((api.json() as { error: { code: string } }).error.code, 'UNAUTHENTICATED');
    assert.doesNotMatch(api.body, /must have|required property|wrong/);
    // Signed in but refused by the table: 403 before validation too.
    const customer = callers.find((c) => c.name === 'customer@acme.test')!;
    const admin = await call({ method: 'POST', url: '/api/v1/roles', host: customer.host, cookie: customer.cookie!, body: { wrong: 'field' } });
    assert.equal(admin.statusCode, 403, admin.body);
  });

  it('checks the Origin of a cookie write by scheme, host and port (item 10)', async () => {
    const agent = callers.find((c) => c.name === 'agent@acme.test')!;
    const write = (origin: Record<string, string>, via = app, headers: Record<string, string> = {}) =>
      via.inject({ method: 'PUT', url: '/api/v1/me/active-role', headers: { host: 'acme.localhost', cookie: agent.cookie!, ...origin, ...headers }, payload: { role: 'agent' } });
    assert.equal((await write({ origin: 'http://acme.localhost' })).statusCode, 200);
    assert.equal((await write({ origin: 'http://acme.localhost:80' })).statusCode, 200, 'the default port written out');
    assert.equal((await write({ referer: 'http://acme.localhost/tickets/1' })).statusCode, 200);
    for (const origin of ['https://acme.localhost', 'http://acme.localhost:8080', 'http://globex.localhost', 'ftp://acme.localhost', 'null']) {
      assert.equal((await write({ origin })).statusCode, 403, origin);
    }
    assert.equal((await write({ referer: 'https://acme.localhost/tickets/1' })).statusCode, 403, 'a Referer of another scheme');

    // Behind a trusted proxy, its X-Forwarded-Proto and X-Forwarded-Host say what the browser shows; without a proto, the public scheme.
    const proxied = await buildApp({ database: db(), shards: desk.shards, catalog: desk.catalog, settings: DEFAULT_TENANCY, trustProxy: true, webRoot: false });
    try {
      assert.equal((await write({ origin: 'https://acme.localhost' }, proxied, { 'x-forwarded-proto': 'https' })).statusCode, 200);
      assert.equal((await write({ origin: 'http://acme.localhost' }, proxied, { 'x-forwarded-proto': 'https' })).statusCode, 403);
      assert.equal((await write({ origin: 'https://acme.localhost' }, proxied)).statusCode, 200, 'the configured public scheme (https)');
      assert.equal((await write({ origin: 'http://acme.localhost' }, proxied)).statusCode, 403);
      const port = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'acme.localhost:8443' };
      assert.equal((await write({ origin: 'https://acme.localhost:8443' }, proxied, port)).statusCode, 200);
      assert.equal((await write({ origin: 'https://acme.localhost' }, proxied, port)).statusCode, 403);
    } finally {
      await proxied.close();
    }
  });
});
