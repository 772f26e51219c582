import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after } from 'node:test';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';
import { freshDatabase, type DatabaseKind, type FreshDatabase } from './databases.ts';

/**
 * A database a test shares with a child process it kills: the embedded one is a directory that one
 * process holds at a time, so the test `release`s it while the child runs and `open`s it again
 * after; a PostgreSQL one stays open. Dropped (or removed) after the suite it is made in.
 */
export function databaseBetweenProcesses(kind: DatabaseKind) {
  const dataDir = mkdtempSync(join(tmpdir(), 'td-between-processes-'));
  let server: FreshDatabase | undefined;
  after(async () => {
    await server?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });
  const open = async (): Promise<Database> => (kind === 'pglite' ? openDatabase({ kind: 'pglite', dataDir }) : server!.database);
  return {
    /** The database, created and migrated. */
    async create(): Promise<Database> {
      if (kind === 'postgres') server = await freshDatabase('postgres');
      const database = await open();
      if (kind === 'pglite') await migrate(database);
      return database;
    },
    open,
    async release(database: Database): Promise<void> {
      if (kind === 'pglite') await database.close();
    },
    /** Where the child finds it: `<prefix>_DATA_DIR` (embedded) or `<prefix>_URL` (PostgreSQL). */
    childEnv: (prefix: string): Record<string, string> => (kind === 'pglite' ? { [`${prefix}_DATA_DIR`]: dataDir } : { [`${prefix}_URL`]: server!.url! }),
  };
}
