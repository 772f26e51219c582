import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/*
 * A NUL character (U+0000) is valid JSON but PostgreSQL text cannot hold it: sent in any field
 * (a saved view's name, a search, a requester's address, a ticket's subject), it is bad input
 * answered 400 in the usual shape, never a 500, and nothing is written.
 */
forEachDatabase('text with a NUL character', (db) => {
  let app: FastifyInstance;
  let agent: Caller;

  before(async () => {
    const desk = await demoDeskApp(db());
    app = desk.app;
    agent = await desk.as('agent@acme.test');
  });
  after(async () => app?.close());

  for (const [what, request] of [
    ['a saved view name', { method: 'POST', url: '/api/v1/saved-views', body: { name: 'a\u0000b', filters: {} } }],
    ['a saved view filter', { method: 'POST', url: '/api/v1/saved-views', body: { name: 'nul filter', filters: { q: 'x\u0000' } } }],
    ['a requester search', { method: 'GET', url: '/api/v1/requesters?q=%00' }],
    ['a new requester', { method: 'POST', url: '/api/v1/requesters', body: { email: 'a\u0000b@example.org' } }],
    ['a ticket subject', { method: 'POST', url: '/api/v1/tickets', body: { subject: 'a\u0000b', body: 'x' } }],
  ] as const) {
    it(`answers 400 VALIDATION_FAILED for ${what}`, async () => {
      const res = await agent(request as Parameters<Caller>[0]);
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().error.code, 'VALIDATION_FAILED');
      assert.match(res.json().error.message, /NUL/);
    });
  }

  it('writes nothing', async () => {
    const views = (await agent({ url: '/api/v1/saved-views' })).json().views as { name: string }[];
    assert.deepEqual(views.filter((v) => v.name.includes('nul') || v.name.includes('\u0000')), []);
  });
});
