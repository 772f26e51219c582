import assert from 'node:assert/strict';
import { Agent } from 'node:http';
import { after, before, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/http/app.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { seedApiTenants } from '../support/api-tenants.ts';
import { forEachDatabase } from '../support/databases.ts';
import { call, errorCode, type Answer } from '../support/server-process.ts';

/**
 * Two agents change the same ticket at the same moment, over real HTTP connections, each reading
 * the ticket and writing back its tags plus one of its own (a read-modify-write: without a version
 * check one of the two tags would be lost). Every round exactly one PATCH wins, the other gets 409;
 * the loser reads again and re-applies its change. In the end every tag of every round is there.
 */
const ROUNDS = 15;

forEachDatabase('two agents updating one ticket at once', (db) => {
  let app: FastifyInstance;
  let shards: Shards;
  let port: number;
  let keys: string[];
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });

  const as = (key: string) => (method: string, path: string, body?: object, headers: Record<string, string> = {}): Promise<Answer> =>
    call(port, { method, path, host: 'acme.localhost', agent, headers: { authorization: `Bearer ${key}`, ...headers }, ...(body ? { body } : {}) });

  before(async () => {
    shards = new Shards(db());
    keys = (await seedApiTenants(shards, [{ slug: 'acme', agents: 2 }])).tenants.acme!.keys;
    app = await buildApp({ database: db(), shards, catalog: await Catalog.load(db(), 0), settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as { port: number }).port;
  });
  after(async () => {
    agent.destroy();
    await app?.close();
    await shards?.close();
  });

  it('lets exactly one of two concurrent PATCHes win (If-Match), the other 409, and loses no update', async () => {
    const [one, two] = keys.map(as) as [ReturnType<typeof as>, ReturnType<typeof as>];
    const created = await one('POST', '/api/v1/tickets', { subject: 'Shared ticket', body: 'x' });
    assert.equal(created.status, 201, created.text);
    const path = `/api/v1/tickets/${(created.body as { id: string }).id}`;
    /** Reads the ticket and writes its tags back with `tag` added, based on the version it read. */
    const addTag = async (caller: typeof one, tag: string): Promise<Answer> => {
      const read = await caller('GET', path);
      const tags = (read.body as { tags: string[] }).tags;
      return caller('PATCH', path, { tags: [...tags, tag] }, { 'if-match': String(read.headers.etag) });
    };

    let conflicts = 0;
    for (let round = 1; round <= ROUNDS; round += 1) {
      // Both read the same version first, then both write at once.
      const [readOne, readTwo] = await Promise.all([one('GET', path), two('GET', path)]);
      assert.equal(readOne.headers.etag, readTwo.headers.etag);
      const write = (caller: typeof one, read: Answer, tag: string) =>
        caller('PATCH', path, { tags: [...(read.body as { tags: string[] }).tags, tag] }, { 'if-match': String(read.headers.etag) });
      const results = await Promise.all([write(one, readOne, `a${round}`), write(two, readTwo, `b${round}`)]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 409], `round ${round}: ${results.map((r) => r.text).join(' / ')}`);
      const loser = results.findIndex((r) => r.status === 409);
      assert.equal(errorCode(results[loser]!), 'CONFLICT');
      conflicts += 1;
      // The loser reads the winner's change and applies its own on top.
      const retried = await addTag(loser === 0 ? one : two, loser === 0 ? `a${round}` : `b${round}`);
      assert.equal(retried.status, 200, retried.text);
    }

    const final = await one('GET', path);
    const tags = (final.body as { tags: string[]; version: number }).tags;
    const expected = Array.from({ length: ROUNDS }, (_, i) => [`a${i + 1}`, `b${i + 1}`]).flat();
    assert.deepEqual([...tags].sort(), [...expected].sort(), 'no update was lost');
    assert.equal((final.body as { version: number }).version, 1 + 2 * ROUNDS, 'every accepted change, and only those, made a version');
    assert.equal(conflicts, ROUNDS);
  });
});
