import { createConnection, type Connection, type RowDataPacket } from 'mysql2/promise';
import type { Outbound } from './guarded-connect.ts';

/**
 * A read-only connection to a MySQL/MariaDB database (an osTicket installation being imported):
 * mysql2 over a socket from the guarded connector, the session and its one transaction READ ONLY,
 * and only SELECT and SHOW statements let through, so an import can never write to its source.
 * The URL's host is the operator's own choice on the command line: trusted by name like SMTP_URL.
 *
 * @example
 * const source = await openMysqlSource(outbound, 'mysql://ost:secret@db.example:3306/osticket');
 * const rows = await source.select('SELECT id FROM ost_ticket WHERE ticket_id > ? LIMIT 500', [0]);
 */
export type MysqlSource = {
  /** Where it reads from, for messages and the import ledger: `host:port/database` (never the password). */
  readonly place: string;
  readonly database: string;
  select<R = Record<string, unknown>>(statement: string, values?: readonly unknown[]): Promise<R[]>;
  close(): Promise<void>;
};

export class MysqlSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MysqlSourceError';
    this.stack = `${this.name}: ${message}`;
  }
}

export type MysqlUrl = { host: string; port: number; user: string; password: string; database: string };

/** `mysql://user:password@host:port/database` (or mariadb://); the database may be left out for a master URL's server. */
export function parseMysqlUrl(text: string, requireDatabase = true): MysqlUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new MysqlSourceError(`"${text.replace(/:[^:@/]*@/, ':***@')}" is not a URL; expected mysql://user:password@host:3306/database.`);
  }
  if (url.protocol !== 'mysql:' && url.protocol !== 'mariadb:') throw new MysqlSourceError(`The source must be a mysql:// URL, not ${url.protocol}//.`);
  const database = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (requireDatabase && !database) throw new MysqlSourceError('The source URL names no database: mysql://user:password@host:3306/database.');
  if (!url.hostname) throw new MysqlSourceError('The source URL names no host.');
  return {
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port ? Number(url.port) : 3306,
    user: decodeURIComponent(url.username) || 'root',
    password: decodeURIComponent(url.password),
    database,
  };
}

/** The same server and login, another database (a multi-site row naming only its db_name). */
export function withDatabase(url: MysqlUrl, database: string): MysqlUrl {
  return { ...url, database };
}

const READ_ONLY_STATEMENT = /^\s*(select|show)\b/i;

export async function openMysqlSource(outbound: Outbound, url: MysqlUrl): Promise<MysqlSource> {
  const connector = outbound.trusting(url.host);
  const place = `${url.host}:${url.port}/${url.database}`;
  let connection: Connection;
  try {
    connection = await createConnection({
      user: url.user,
      password: url.password,
      database: url.database,
      charset: 'utf8mb4',
      // Dates are read as the source wrote them (osTicket keeps server-local DATETIMEs): strings, converted by the importer.
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: true,
      connectTimeout: connector.timeoutMs,
      stream: () => connector.openSocket({ host: url.host, port: url.port, what: 'osTicket database server' }),
    });
  } catch (error) {
    throw new MysqlSourceError(`Could not open the osTicket database ${place}: ${(error as Error).message}`);
  }
  try {
    // One consistent snapshot for the whole read, in a transaction that refuses every write.
    await connection.query('SET SESSION TRANSACTION READ ONLY');
    await connection.query('START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY');
  } catch (error) {
    await connection.end().catch(() => undefined);
    throw new MysqlSourceError(`The osTicket database ${place} refused a read-only transaction: ${(error as Error).message}`);
  }
  return {
    place,
    database: url.database,
    async select<R>(statement: string, values: readonly unknown[] = []): Promise<R[]> {
      // Only reads reach the source: anything else is a bug of ours, refused before it is sent.
      if (!READ_ONLY_STATEMENT.test(statement)) throw new Error(`Refusing to send a statement other than SELECT/SHOW to the source: ${statement.slice(0, 40)}`);
      const [rows] = await connection.query<RowDataPacket[]>(statement, values as unknown[]);
      return rows as unknown as R[];
    },
    async close() {
      await connection.query('ROLLBACK').catch(() => undefined);
      await connection.end().catch(() => undefined);
    },
  };
}
