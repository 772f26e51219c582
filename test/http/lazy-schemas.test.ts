import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import { lazySchemaCompilers } from '../../src/http/lazy-schemas.ts';

/** The server's schemas compiled on first use (src/http/lazy-schemas.ts) answer exactly as Fastify's eager ones. */
async function appWith(lazy: boolean, schema: Record<string, unknown>): Promise<FastifyInstance> {
  const app = Fastify({ ajv: { customOptions: { removeAdditional: false } }, ...(lazy ? { schemaController: lazySchemaCompilers } : {}) });
  app.post('/things', { schema }, async (request) => ({ ...(request.body as object), secret: 'never sent' }));
  await app.ready();
  return app;
}

const thingSchema = {
  body: { type: 'object', properties: { name: { type: 'string', minLength: 2 }, count: { type: 'integer' } }, required: ['name'], additionalProperties: false },
  response: { 200: { type: 'object', properties: { name: { type: 'string' }, count: { type: 'integer' } } } },
};

describe('schemas compiled on first use', () => {
  it('validates and serializes exactly as the eager compilers do', async () => {
    const [eager, lazy] = [await appWith(false, thingSchema), await appWith(true, thingSchema)];
    const bodies = [{ name: 'ok', count: 3 }, { name: 'x' }, { count: 1 }, { name: 'ok', extra: true }, { name: 'ok', count: '7' }, 'not json'];
    for (const body of bodies) {
      const [a, b] = await Promise.all([eager, lazy].map((app) => app.inject({ method: 'POST', url: '/things', payload: body as object, headers: { 'content-type': 'application/json' } })));
      assert.equal(b!.statusCode, a!.statusCode, JSON.stringify(body));
      assert.equal(b!.body, a!.body, JSON.stringify(body));
    }
    const ok = await lazy.inject({ method: 'POST', url: '/things', payload: { name: 'ok', count: 3 } });
    assert.deepEqual(ok.json(), { name: 'ok', count: 3 }, 'the response schema drops what it does not list');
    const refused = await lazy.inject({ method: 'POST', url: '/things', payload: { name: 'ok', extra: true } });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.json().message, /additional properties/);
    await Promise.all([eager.close(), lazy.close()]);
  });

  it('compiles nothing at start: a schema Ajv refuses fails the eager app at start, the lazy one at its first call', async () => {
    const broken = { body: { type: 'object', properties: { name: { type: 'no-such-type' } } } };
    await assert.rejects(appWith(false, broken), /no-such-type|schema is invalid/);
    const lazy = await appWith(true, broken);
    const first = await lazy.inject({ method: 'POST', url: '/things', payload: { name: 'a' } });
    assert.equal(first.statusCode, 500);
    await lazy.close();
  });
});
