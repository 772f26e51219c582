import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { migrate, migrationFiles, migrationStatus } from '../../src/db/migrate.ts';
import { forEachDatabase } from '../support/databases.ts';

forEachDatabase('migrations', (db) => {
  it('records every migration and the security script as applied', async () => {
    const status = await migrationStatus(db());
    assert.deepEqual(status.pending, []);
    assert.deepEqual(status.applied, [...migrationFiles().map((m) => m.version), 'security']);
  });

  it('changes nothing when applied a second time', async () => {
    const before = await sql<{ version: string; applied_at: Date }>`select version, applied_at from schema_migrations order by version`.execute(db().owner);
    assert.deepEqual(await migrate(db()), []);
    const afterRun = await sql<{ version: string; applied_at: Date }>`select version, applied_at from schema_migrations order by version`.execute(db().owner);
    assert.deepEqual(afterRun.rows, before.rows);
  });

  it('refuses a migration file edited after it was applied', async () => {
    await sql`update schema_migrations set checksum = 'edited' where version = '0001'`.execute(db().owner);
    await assert.rejects(migrate(db()), /forward-only/);
    const status = await migrationStatus(db());
    assert.deepEqual(status.pending, ['0001']);
  });
});
