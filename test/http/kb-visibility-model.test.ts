import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/**
 * Search visibility against a reference model (issue 22): random articles over the public level,
 * a parent (acme), its subtenant (acme-eu) and a sibling (globex), in every state and visibility;
 * every reader's search must return exactly what decisions/0140's rules say.
 */
type Level = 'public' | 'acme' | 'acme-eu' | 'globex';
type Spec = { title: string; level: Level; visibility: 'public' | 'customers' | 'agents'; status: 'draft' | 'published' | 'archived' };
type Reader = { name: string; host: string; tenant: Level; audience: 'anonymous' | 'customer' | 'agent'; call?: Caller };

const ABOVE: Record<Level, Level[]> = { public: [], acme: ['acme'], 'acme-eu': ['acme-eu', 'acme'], globex: ['globex'] };

/** A small seeded generator, so a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed;
  return () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
}

/** The rules, written plainly: own tenant and public rows by audience; the host's line published and never agents-only. */
function visible(reader: Reader, a: Spec): boolean {
  const own = a.level === 'public' || (reader.audience !== 'anonymous' && a.level === reader.tenant);
  if (own && reader.audience === 'agent') return true;
  const inherited = own || ABOVE[reader.tenant].includes(a.level);
  if (!inherited || a.status !== 'published') return false;
  return a.visibility === 'public' || (a.visibility === 'customers' && reader.audience !== 'anonymous');
}

forEachDatabase('knowledge-base search visibility against a reference model', (db) => {
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  const specs: Spec[] = [];
  const readers: Reader[] = [];

  before(async () => {
    desk = await demoDeskApp(db());
    const sp = await desk.as('admin@northwind.test');
    const ids = desk.catalog.snapshot().bySlug;
    const next = random(22);
    const pick = <T,>(xs: readonly T[]) => xs[Math.floor(next() * xs.length)]!;
    for (let i = 0; i < 40; i++) {
      const spec: Spec = { title: `Modelword article ${i}`, level: pick(['public', 'acme', 'acme-eu', 'globex'] as const), visibility: pick(['public', 'customers', 'agents'] as const), status: pick(['draft', 'published', 'archived'] as const) };
      const res: LightMyRequestResponse = await sp({
        method: 'POST',
        url: '/api/v1/kb/articles',
        body: { tenantId: spec.level === 'public' ? null : ids.get(spec.level)!.id, title: spec.title, body: '<p>modelword</p>', visibility: spec.visibility, status: spec.status },
      });
      assert.equal(res.statusCode, 201, res.body);
      specs.push(spec);
    }
    for (const tenant of ['acme', 'acme-eu', 'globex'] as const) {
      const host = `${tenant}.localhost`;
      readers.push({ name: `anonymous at ${tenant}`, host, tenant, audience: 'anonymous' });
      readers.push({ name: `customer@${tenant}`, host, tenant, audience: 'customer', call: await desk.as(`customer@${tenant}.test`) });
      readers.push({ name: `agent@${tenant}`, host, tenant, audience: 'agent', call: await desk.as(`agent@${tenant}.test`) });
    }
  });
  after(async () => {
    await desk?.app.close();
    await desk?.shards.close();
  });

  it('returns to every reader exactly the articles the rules let it see, in search and in lists', async () => {
    for (const reader of readers) {
      const expected = specs.filter((a) => visible(reader, a)).map((a) => a.title).sort();
      for (const url of ['/api/v1/kb/search?q=modelword&limit=50', '/api/v1/kb/articles?limit=500']) {
        const res = reader.call ? await reader.call({ url }) : await desk.call({ url, host: reader.host });
        assert.equal(res.statusCode, 200, res.body);
        const got = (res.json() as { items: { title: string }[] }).items.map((a) => a.title).filter((t) => t.startsWith('Modelword')).sort();
        assert.deepEqual(got, expected, `${reader.name}: ${url}`);
      }
    }
  });
});
