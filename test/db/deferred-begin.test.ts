import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { applyScope } from '../../src/db/scope.ts';
import { forEachDatabase } from '../support/databases.ts';

/*
 * A transaction's BEGIN travels with its scope statement (src/db/deferred-begin.ts). These check
 * that every unit of work is still a transaction, whatever its first statement, and, on the
 * PostgreSQL server, what goes over the wire.
 */
forEachDatabase('BEGIN sent with the first statement', (db, kind) => {
  /** The texts pg clients send meanwhile (PostgreSQL only; PGlite has no wire). */
  const sent = async (work: () => Promise<unknown>): Promise<string[]> => {
    const texts: string[] = [];
    const query = pg.Client.prototype.query;
    pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
      texts.push(typeof args[0] === 'string' ? args[0] : String((args[0] as { text?: string }).text));
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    try {
      await work();
    } finally {
      pg.Client.prototype.query = query;
    }
    return texts.map((t) => t.replace(/\s+/g, ' ').slice(0, 40));
  };
  const scope = { read: [1], write: [1], writePublic: false };
  const count = async () => Number((await sql<{ n: string }>`select count(*) as n from td_begin_probe`.execute(db().owner)).rows[0]!.n);

  it('keeps a unit of work one transaction, whatever statement comes first', async () => {
    await sql`create table td_begin_probe (n integer)`.execute(db().owner);
    await sql`grant insert on td_begin_probe to tenantdesk_app`.execute(db().owner);
    try {
      const texts = await sent(async () => {
        // The scope first: BEGIN goes with it, and a rollback still undoes the write.
        await assert.rejects(db().owner.transaction().execute(async (tx) => {
          await applyScope(tx, scope);
          await sql`insert into td_begin_probe values (${1})`.execute(tx);
          throw new Error('undo');
        }), /undo/);
        // Another statement first: BEGIN is sent before it, and a rollback undoes it too.
        await assert.rejects(db().owner.transaction().execute(async (tx) => {
          await sql`insert into td_begin_probe values (${2})`.execute(tx);
          throw new Error('undo');
        }), /undo/);
        // Nothing at all: nothing is sent.
        await db().owner.transaction().execute(async () => undefined);
        await db().owner.transaction().execute(async (tx) => sql`insert into td_begin_probe values (${3})`.execute(tx));
      });
      assert.equal(await count(), 1, 'only the committed write is there');
      if (kind === 'postgres') {
        assert.deepEqual(texts, [
          "begin; select set_config('role', 'tenant",
          'insert into td_begin_probe values ($1)',
          'rollback',
          'begin',
          'insert into td_begin_probe values ($1)',
          'rollback',
          'begin',
          'insert into td_begin_probe values ($1)',
          'commit',
        ]);
      }
    } finally {
      await sql`drop table td_begin_probe`.execute(db().owner);
    }
  });
});
