import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PGlite } from '@electric-sql/pglite';
import { mapDatabaseError } from '../../src/db/errors.ts';

/** The error PostgreSQL (here the embedded one) raises for a statement, mapped as the API maps it. */
async function mapped(db: PGlite, statement: string) {
  const error = await db.exec(statement).then(() => undefined, (e: unknown) => e);
  assert.ok(error, `expected ${statement} to fail`);
  return mapDatabaseError(error);
}

test('a duplicate names the key column besides the tenant, never a constraint name or a value', async () => {
  const db = new PGlite();
  await db.exec(`
    create table satisfaction_votes (tenant_id int, ticket_id int, resolved_at int, primary key (tenant_id, ticket_id, resolved_at));
    create table article_slugs (tenant_id int, slug text, unique (tenant_id, slug));
    create table tenants (slug text unique);
    insert into satisfaction_votes values (1, 2, 3); insert into article_slugs values (1, 'secret-slug'); insert into tenants values ('acme');`);
  const several = await mapped(db, 'insert into satisfaction_votes values (1, 2, 3)');
  assert.equal(several?.code, 'CONFLICT');
  assert.equal(several?.field, undefined, 'several columns: no field rather than a made-up one');
  const slug = await mapped(db, `insert into article_slugs values (1, 'secret-slug')`);
  assert.equal(slug?.field, 'slug', 'a table of two words');
  assert.doesNotMatch(JSON.stringify(slug), /secret-slug/);
  assert.equal((await mapped(db, `insert into tenants values ('acme')`))?.field, 'slug');
  await db.close();
});
