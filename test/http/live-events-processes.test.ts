import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { seedApiTenants, type ApiInstallation } from '../support/api-tenants.ts';
import { freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { EventStreamClient } from '../support/event-stream.ts';
import { call, ServerProcess } from '../support/server-process.ts';

/*
 * Several processes are one desk (decision 0120): a change made through one `tenantdesk serve`
 * reaches a live stream held by another, through PostgreSQL's LISTEN/NOTIFY; another tenant's
 * stream on that process hears nothing of it; and SIGTERM ends the streams and exits 0 at once.
 */
describe('live events across two server processes [postgres]', () => {
  let fresh: FreshDatabase;
  let install: ApiInstallation;
  let one: ServerProcess;
  let two: ServerProcess;
  const dataDirs = [mkdtempSync(join(tmpdir(), 'td-live-1-')), mkdtempSync(join(tmpdir(), 'td-live-2-'))];

  before(async () => {
    fresh = await freshDatabase('postgres');
    install = await seedApiTenants(new Shards(fresh.database), [{ slug: 'acme' }, { slug: 'globex' }]);
    const env = (dataDir: string) => ({ DATABASE_URL: fresh.url!, DATA_DIR: dataDir, TENANT_API_RATE: '0', SHUTDOWN_GRACE_MS: '20000' });
    [one, two] = await Promise.all([ServerProcess.start(env(dataDirs[0]!)), ServerProcess.start({ ...env(dataDirs[1]!), JOB_RUNNER: 'false' })]);
  });
  after(async () => {
    await Promise.all([one?.stop('SIGKILL'), two?.running ? two.stop('SIGKILL') : undefined]);
    await fresh?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a ticket opened through process 1 to a stream on process 2, and to no other tenant', async () => {
    const bearer = (slug: string) => ({ host: `${slug}.localhost`, authorization: `Bearer ${install.tenants[slug]!.keys[0]}` });
    const acme = await EventStreamClient.open(two.port, bearer('acme'));
    const globex = await EventStreamClient.open(two.port, bearer('globex'));
    try {
      for (const stream of [acme, globex]) {
        assert.equal(stream.status, 200, stream.body);
        const ready = await stream.next((e) => e.event === 'ready', 'ready');
        assert.equal(ready.data.listening, true, 'process 2 listens on PostgreSQL');
      }
      const { authorization } = bearer('acme');
      const opened = await call(one.port, { method: 'POST', path: '/api/v1/tickets', host: 'acme.localhost', headers: { authorization }, body: { subject: 'Made on process 1', body: 'x' } });
      assert.equal(opened.status, 201, opened.text);
      const ticketId = (opened.body as { id: string }).id;
      await acme.next((e) => e.event === 'ticket' && e.data.ticketId === ticketId && e.data.created === true, 'the ticket, on process 2');
      const marker = await call(one.port, { method: 'POST', path: '/api/v1/tickets', host: 'globex.localhost', headers: { authorization: bearer('globex').authorization }, body: { subject: 'Globex marker', body: 'x' } });
      const markerId = (marker.body as { id: string }).id;
      await globex.next((e) => e.event === 'ticket' && e.data.ticketId === markerId, "globex's own ticket, on process 2");
      assert.deepEqual(globex.about(ticketId), [], 'globex heard nothing of acme');
      assert.deepEqual(acme.about(markerId), [], 'acme heard nothing of globex');

      const started = Date.now();
      two.child.kill('SIGTERM');
      await acme.end('the end of the stream at SIGTERM');
      const exit = await two.exited;
      assert.equal(exit.code, 0, two.stderr);
      assert.ok(Date.now() - started < 10_000, `stopped in ${Date.now() - started} ms, not after the grace period`);
    } finally {
      acme.close();
      globex.close();
    }
  });
});
