import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/**
 * Verified API keys are kept in memory (src/identity/credential-cache.ts, decision 0172). A change
 * made straight in the database, as another process or a command would make it, must reach the
 * kept key through the database's notification: without it the key would go on working.
 */
forEachDatabase('verified API keys kept in memory', (db) => {
  let app: FastifyInstance;
  let agent: Caller;
  let newKey: () => Promise<{ id: string; use: Caller }>;

  before(async () => {
    const desk = await demoDeskApp(db(), {}, 60_000);
    app = desk.app;
    agent = await desk.as('agent@acme.test');
    newKey = async () => {
      const created = (await agent({ method: 'POST', url: '/api/v1/me/api-keys', body: { name: 'kept' } })).json() as { id: string; key: string };
      const use: Caller = (c) => desk.call({ ...c, host: 'acme.localhost', headers: { authorization: `Bearer ${created.key}` } });
      // Used twice, the second time once the process listens: from then on the key is kept.
      assert.equal((await use({ url: '/api/v1/me' })).statusCode, 200);
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.equal((await use({ url: '/api/v1/me' })).statusCode, 200);
      return { id: created.id, use };
    };
  });
  after(async () => app?.close());

  /** The status `/api/v1/me` answers once it is `status`, or the last one after 5 s. */
  async function settles(use: Caller, status: number): Promise<number> {
    const deadline = Date.now() + 5000;
    for (;;) {
      const got = (await use({ url: '/api/v1/me' })).statusCode;
      if (got === status || Date.now() > deadline) return got;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  it('stops a kept key revoked in the database by someone else', async () => {
    const key = await newKey();
    await sql`update api_keys set revoked_at = now() where id = ${key.id}`.execute(db().owner);
    assert.equal(await settles(key.use, 401), 401);
  });

  it('stops a kept key whose contact was disabled in the database', async () => {
    const key = await newKey();
    await sql`update contacts set status = 'disabled' where email = 'agent@acme.test'`.execute(db().owner);
    try {
      assert.equal(await settles(key.use, 401), 401);
    } finally {
      await sql`update contacts set status = 'active' where email = 'agent@acme.test'`.execute(db().owner);
    }
    assert.equal(await settles(key.use, 200), 200, 'and takes it back once enabled again');
  });

  it('shows a role changed in the database at the kept key’s next requests', async () => {
    const key = await newKey();
    assert.equal((await key.use({ url: '/api/v1/contacts' })).statusCode, 200);
    const agentRole = sql`(select role_id from api_keys where id = ${key.id})`;
    const { rows } = await sql<{ permissions: string[] }>`select permissions from roles where id = ${agentRole}`.execute(db().owner);
    await sql`update roles set permissions = array_remove(permissions, 'ticket.edit') where id = ${agentRole}`.execute(db().owner);
    try {
      const deadline = Date.now() + 5000;
      let status = 200;
      while (status === 200 && Date.now() < deadline) status = (await key.use({ url: '/api/v1/contacts' })).statusCode;
      assert.equal(status, 403);
    } finally {
      await sql`update roles set permissions = ${rows[0]!.permissions} where id = ${agentRole}`.execute(db().owner);
    }
  });
});
