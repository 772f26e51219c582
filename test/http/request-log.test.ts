import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, it } from 'node:test';
import { createLogger } from '../../src/config/logger.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp } from '../support/desk-app.ts';
import { buildApp } from '../../src/http/app.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';

forEachDatabase('request log lines', (db) => {
  const lines: Record<string, unknown>[] = [];
  let desk: Awaited<ReturnType<typeof demoDeskApp>>;
  before(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line) as Record<string, unknown>);
        done();
      },
    });
    // Request lines are written at debug (http/plugins/request-log.ts).
    desk = await demoDeskApp(db(), { logger: createLogger({ logLevel: 'debug' }, sink) });
  });
  after(() => desk?.app.close());

  it("carries the request id and the tenant's slug on every line of a request, the first included", async () => {
    const agent = await desk.as('agent@acme.test');
    lines.length = 0;
    assert.equal((await agent({ url: '/api/v1/tickets?limit=1' })).statusCode, 200);
    assert.equal((await desk.call({ url: '/api/v1/tenant', host: 'unknown.example' })).statusCode, 404);
    const ofRequests = lines.filter((l) => l.reqId !== undefined);
    const ids = [...new Set(ofRequests.map((l) => l.reqId))];
    assert.equal(ids.length, 2, JSON.stringify(lines));
    const acme = ofRequests.filter((l) => l.reqId === ids[0]);
    assert.ok(acme.some((l) => l.msg === 'incoming request') && acme.some((l) => l.msg === 'request completed'), JSON.stringify(acme));
    for (const line of acme) assert.equal(line.tenant, 'acme', JSON.stringify(line));
    // An unknown host belongs to no tenant: its lines name none.
    for (const line of ofRequests.filter((l) => l.reqId === ids[1])) assert.equal(line.tenant, undefined, JSON.stringify(line));
  });

  it('gives request ids that another process (another app) does not give too', async () => {
    // Two apps started afresh stand for two server processes behind one proxy, logging to one place.
    const started = async () => {
      const logged: Record<string, unknown>[] = [];
      const sink = new Writable({
        write(chunk: Buffer, _encoding, done) {
          for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) logged.push(JSON.parse(line) as Record<string, unknown>);
          done();
        },
      });
      const app = await buildApp({ database: db(), shards: desk.shards, catalog: desk.catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false, logger: createLogger({ logLevel: 'debug' }, sink) });
      await app.inject({ url: '/api/v1/tenant', headers: { host: 'unknown.example' } });
      await app.close();
      return logged.find((l) => l.reqId !== undefined)?.reqId;
    };
    const [one, two] = [await started(), await started()];
    assert.ok(typeof one === 'string' && typeof two === 'string');
    assert.notEqual(one, two);
  });

  it('writes request lines at debug: at info, a served request writes none', async () => {
    const logged: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        logged.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const app = await buildApp({ database: db(), shards: desk.shards, catalog: desk.catalog, settings: DEFAULT_TENANCY, trustProxy: false, webRoot: false, logger: createLogger({ logLevel: 'info' }, sink) });
    assert.equal((await app.inject({ url: '/api/v1/tenant', headers: { host: 'acme.localhost' } })).statusCode, 200);
    assert.equal((await app.inject({ url: '/readyz' })).statusCode, 200);
    await app.close();
    assert.deepEqual(logged.filter((line) => line.includes('"reqId"')), [], 'no line of a request at info');
  });
});
