import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/database.ts';
import { migrate } from '../../src/db/migrate.ts';

/** The URL of `database` on the server of `adminUrl`. */
export function databaseUrl(adminUrl: string, database: string): string {
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

/** Runs `work` on a connection of its own to `url` (create/drop database cannot run in a pool's transaction). */
export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export async function runStatement(url: string, statement: string): Promise<void> {
  await withClient(url, (client) => client.query(statement));
}

/** `database` created afresh on the server of `adminUrl` (any of that name dropped) and migrated; the caller closes it. */
export async function freshBenchDatabase(adminUrl: string, database: string, poolMax = 1): Promise<Database> {
  if (!/^[a-z_][a-z0-9_]*$/.test(database)) throw new Error(`unsafe database name "${database}"`);
  await runStatement(adminUrl, `drop database if exists ${database} with (force)`);
  await runStatement(adminUrl, `create database ${database}`);
  const opened = await openDatabase({ kind: 'postgres', url: databaseUrl(adminUrl, database), poolMax });
  try {
    await migrate(opened);
  } catch (error) {
    await opened.close();
    throw error;
  }
  return opened;
}
