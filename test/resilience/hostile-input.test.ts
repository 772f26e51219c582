import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Database } from '../../src/db/database.ts';
import { tenantTables } from '../../src/db/registry.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Call } from '../support/desk-app.ts';

/**
 * Every route of the OpenAPI document, called by every kind of caller with random and malformed
 * ids, query strings, headers and bodies: never a 500, never a stack trace, always the error
 * format, and a refused request changes no row.
 */
type Route = { method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT'; path: string; query: string[] };

// Rows a refused request may legitimately write: the record of a failed sign-in.
const BOOKKEEPING = new Set(['audit_events', 'sign_in_failures', 'sessions']);

async function fingerprint(database: Database): Promise<string> {
  const parts = tenantTables()
    .filter((t) => !BOOKKEEPING.has(t.table))
    .map((t) => sql`(select md5(coalesce(string_agg(md5(x::text), '' order by md5(x::text)), '')) from ${sql.table(t.table)} x)`);
  const result = await sql<{ sum: string }>`select md5(concat_ws(',', ${sql.join(parts)})) as sum`.execute(database.owner);
  return result.rows[0]!.sum;
}

function routesOf(doc: { paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> }): Route[] {
  const routes: Route[] = [];
  for (const [path, methods] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(methods)) {
      if (!['get', 'post', 'patch', 'delete', 'put'].includes(method)) continue;
      routes.push({ method: method.toUpperCase() as Route['method'], path, query: (op.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name) });
    }
  }
  return routes;
}

const huge = 'x'.repeat(200_000);
const deep = (depth: number): unknown => (depth === 0 ? 'bottom' : { a: deep(depth - 1) });
const hostileText = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.constantFrom('', ' ', '\u0000', 'a\u0000b', '../../etc/passwd', '%00', "' or 1=1 --", '<script>alert(1)</script>', '__proto__', 'constructor', '-1', '1e309', 'NaN', huge.slice(0, 5000)),
);
const hostileId = fc.oneof(fc.uuid(), hostileText, fc.integer().map(String), fc.constant('00000000-0000-0000-0000-000000000000'));
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(fc.anything({ maxDepth: 3 }), hostileText, fc.constantFrom(null, true, -1, 1e308, [], {}, huge, deep(200)));
const hostileBody = fc.oneof(
  fc.dictionary(fc.oneof(hostileText, fc.constantFrom('subject', 'body', 'name', 'status', 'tenantId', 'version', '__proto__', 'constructor')), hostileValue, { maxKeys: 6 }),
  fc.constantFrom('{"__proto__": {"admin": true}, "subject": "x", "body": "y"}', '{not json', '[]', 'null', '"text"', JSON.stringify(deep(500))),
  hostileValue,
);

forEachDatabase('hostile input on every route', (db) => {
  let app: FastifyInstance;
  let call: (c: Call) => Promise<LightMyRequestResponse>;
  let routes: Route[];
  const callers: Record<string, { host: string; cookie?: string }> = {};

  let dataDir: string;

  before(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-fuzz-'));
    const desk = await demoDeskApp(db(), { attachments: { dataDir, maxBytes: 1024 * 1024 } });
    ({ app, call } = desk);
    for (const email of ['agent@acme.test', 'customer@acme.test', 'admin@northwind.test']) {
      const res = await call({ method: 'POST', url: '/api/v1/auth/login', host: email.endsWith('northwind.test') ? 'desk.localhost' : 'acme.localhost', body: { email, password: 'tenantdesk-demo' } });
      assert.equal(res.statusCode, 200, `${email}: ${res.body}`);
      callers[email] = { host: email.endsWith('northwind.test') ? 'desk.localhost' : 'acme.localhost', cookie: `td_session=${res.cookies.find((c) => c.name === 'td_session')!.value}` };
    }
    callers.anonymous = { host: 'acme.localhost' };
    callers['unknown host'] = { host: 'nowhere.localhost' };
    routes = routesOf((await call({ url: '/api/openapi.json', host: 'acme.localhost' })).json());
    assert.ok(routes.length >= 20, `the OpenAPI document lists the routes (${routes.length})`);
  });
  after(async () => {
    await app?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never answers 500, never shows a stack, always the error format, and a refusal changes nothing', async () => {
    const seen = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...routes),
        fc.constantFrom(...Object.keys(callers)),
        hostileId,
        fc.dictionary(fc.constantFrom('limit', 'cursor', 'q', 'status', 'tenantId', 'assignee', 'from', 'to', 'x'), hostileText, { maxKeys: 4 }),
        hostileBody,
        fc.record({ 'if-match': hostileText, 'idempotency-key': hostileText, 'content-type': fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x') }, { requiredKeys: [] }),
        async (route, who, id, query, body, headers) => {
          const path = route.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(id));
          const search = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, v.slice(0, 2000)])).toString();
          const before = await fingerprint(db());
          const caller = callers[who]!;
          const safeHeaders = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace(/[^\x20-\x7e]/g, '?').slice(0, 1000)]));
          const res = await call({
            method: route.method as Call['method'],
            url: `${path}${search ? `?${search}` : ''}`,
            host: caller.host,
            ...(caller.cookie ? { cookie: caller.cookie } : {}),
            headers: safeHeaders,
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) ?? 'null' }),
          });
          seen.set(res.statusCode, (seen.get(res.statusCode) ?? 0) + 1);
          const label = `${route.method} ${path} as ${who} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
          assert.ok(res.statusCode < 500, label);
          assert.doesNotMatch(res.body, /\bat [\w.<>]+ \(|node_modules|\.ts:\d+/, `no stack trace: ${label}`);
          // osTicket's compatible API answers like osTicket (plain text); the docs are HTML.
          const ours = path.startsWith('/api/v1/');
          if (res.statusCode >= 400 && ours) {
            const error = res.json().error as { code?: unknown; message?: unknown };
            assert.ok(typeof error?.code === 'string' && typeof error.message === 'string', `the error format: ${label}`);
          }
          if (res.statusCode >= 400) assert.equal(await fingerprint(db()), before, `a refused request changed rows: ${label}`);
        },
      ),
      { verbose: 1, numRuns: Number(process.env.FUZZ_RUNS ?? 250), seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined },
    );
    assert.ok([...seen.keys()].some((s) => s >= 400), 'the fuzzing reached refusals');
  });
});
