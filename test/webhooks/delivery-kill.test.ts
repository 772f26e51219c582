import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import type { JobHandler } from '../../src/jobs/job-type.ts';
import { secretBox } from '../../src/mail/secret-box.ts';
import { parseAddressPolicy } from '../../src/net/address-policy.ts';
import { createOutbound } from '../../src/net/guarded-connect.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { inTransaction } from '../../src/tenancy/data-access.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { deliverWebhookHandler } from '../../src/webhooks/deliver-webhook.ts';
import { emitWebhookEvent } from '../../src/webhooks/webhook-events.ts';
import { createSubscription } from '../../src/webhooks/webhook-subscriptions.ts';
import { databaseKinds } from '../support/databases.ts';
import { databaseBetweenProcesses } from '../support/database-between-processes.ts';
import { freePort } from '../support/net.ts';
import { createTenants } from '../support/tenants.ts';

/**
 * kill -9 of the process delivering a webhook loses nothing: the killed attempt's transaction dies
 * with it, the job is taken again once its lease is over, and the receiver gets the event (with the
 * same webhook-id, so it can tell the repeat).
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const child = join(root, 'test', 'webhooks', 'fixtures', 'deliver-child.ts');
const SECRET = 'kill-test-mail-secret-0123456789abcdef';

for (const kind of databaseKinds()) {
  describe(`a webhook delivery killed mid-request [${kind}]`, () => {
    const { create, open, release, childEnv } = databaseBetweenProcesses(kind);

    it('is delivered after the kill, by the next runner, with the same event id', async () => {
      const received: IncomingHttpHeaders[] = [];
      let arrived: () => void = () => undefined;
      const first = new Promise<void>((resolve) => (arrived = resolve));
      const port = await freePort();
      // The first request is held (the process sending it dies meanwhile); later ones are answered.
      const receiver = createServer((req, res) => {
        received.push(req.headers);
        req.resume();
        if (received.length === 1) arrived();
        else res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => receiver.listen(port, '127.0.0.1', resolve));
      const outbound = createOutbound({ policy: parseAddressPolicy('127.0.0.1/32') });
      try {
        let database = await create();
        const t = await createTenants(database, [{ slug: 'sp', name: 'SP' }, { slug: 'acme', name: 'Acme' }]);
        const ctx = systemContext(new Shards(database), DEFAULT_TENANCY, (await Catalog.load(database)).snapshot());
        await createSubscription(ctx, { outbound, box: secretBox(SECRET) }, { tenantId: t.acme!, url: `http://127.0.0.1:${port}/hook`, events: ['ticket.created'] });
        // The subscription's route is in the catalog now: a change sees it in a snapshot loaded since.
        const current = { ...ctx, catalog: (await Catalog.load(database)).snapshot() };
        await inTransaction(current, (tx) => emitWebhookEvent(tx, t.acme!, 'ticket.created', { ticket: { id: 'T-1' } }), t.acme!);
        await release(database);

        const proc = spawn(process.execPath, ['--import', 'tsx', child], {
          cwd: root,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', CHILD_SECRET: SECRET, ...childEnv('CHILD') },
          stdio: ['ignore', 'pipe', 'pipe'],
        });
        const exited = new Promise<NodeJS.Signals | null>((resolve) => proc.on('close', (_code, signal) => resolve(signal)));
        let stderr = '';
        proc.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
        const timeout = setTimeout(() => proc.kill('SIGKILL'), 120_000);
        await Promise.race([first, exited.then(() => assert.fail(`the child exited before sending: ${stderr}`))]);
        clearTimeout(timeout);
        proc.kill('SIGKILL');
        assert.equal(await exited, 'SIGKILL');

        database = await open();
        try {
          const delivery = async () => (await sql<{ state: string; attempts: number }>`select state, attempts from webhook_deliveries`.execute(database.owner)).rows[0];
          assert.deepEqual(await delivery(), { state: 'pending', attempts: 0 }, 'the killed attempt left nothing half-written');
          // Its lease (a minute) is not ours to wait: it is over now.
          await sql`update jobs set run_at = now() where name = 'webhook.deliver'`.execute(database.owner);
          const catalog = await Catalog.load(database);
          const runner = new JobRunner(
            { shards: new Shards(database), settings: DEFAULT_TENANCY, catalog: () => catalog.snapshot() },
            { handlers: [deliverWebhookHandler({ outbound, box: secretBox(SECRET) }) as unknown as JobHandler<never>] },
          );
          await runner.drain(database);
          assert.deepEqual(await delivery(), { state: 'delivered', attempts: 1 });
          assert.equal(received.length, 2);
          assert.equal(received[0]!['webhook-id'], received[1]!['webhook-id'], 'the same event id: the receiver can tell the repeat');
        } finally {
          await release(database);
        }
      } finally {
        receiver.closeAllConnections();
        await new Promise<void>((resolve) => receiver.close(() => resolve()));
      }
    });
  });
}
