import { AppError } from '../../errors.ts';
import type { MysqlSource } from '../../net/mysql-source.ts';
import { osticketVersion } from './osticket-version.ts';

export type SourceRow = Record<string, unknown>;

/** The tables the importer reads (without the `ost_` prefix); a database missing one is refused before anything is written. */
export const REQUIRED_TABLES = [
  'config', 'department', 'staff', 'team', 'team_member', 'user', 'user_email', 'organization', 'sla', 'help_topic',
  'ticket_status', 'ticket_priority', 'ticket', 'ticket__cdata', 'thread', 'thread_entry', 'thread_collaborator',
  'attachment', 'file', 'file_chunk', 'canned_response',
] as const;

const PAGE = 500;

/** An osTicket database as the importer reads it: its version checked, its tables read in pages of ids. */
export class OsticketSource {
  private constructor(
    readonly db: MysqlSource,
    readonly version: string,
    readonly prefix: string,
    private readonly tables: ReadonlySet<string>,
  ) {}

  /** Checks the version and the tables; refuses an unknown version or a missing table with a clear message. */
  static async open(db: MysqlSource, prefix = 'ost_'): Promise<OsticketSource> {
    const tables = new Set((await db.select<Record<string, string>>('SHOW TABLES')).map((row) => Object.values(row)[0]!));
    if (!tables.has(`${prefix}config`)) {
      throw new AppError('VALIDATION_FAILED', `${db.place} is not an osTicket database: it has no ${prefix}config table.`, 'from');
    }
    const [signature] = await db.select<{ value: string }>(`SELECT \`value\` FROM \`${prefix}config\` WHERE \`namespace\` = 'core' AND \`key\` = 'schema_signature'`);
    const version = signature ? osticketVersion(signature.value) : undefined;
    if (!version) {
      throw new AppError('VALIDATION_FAILED', `${db.place} has osTicket schema signature "${signature?.value ?? 'none'}", which is not one of osTicket 1.14 to 1.18; upgrade it with osTicket first (nothing was imported).`, 'from');
    }
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(`${prefix}${t}`));
    if (missing.length) throw new AppError('VALIDATION_FAILED', `${db.place} (osTicket ${version}) lacks the table(s) ${missing.map((t) => prefix + t).join(', ')}; nothing was imported.`, 'from');
    return new OsticketSource(db, version, prefix, tables);
  }

  has(table: string): boolean {
    return this.tables.has(this.prefix + table);
  }

  /** `ost_<name>`, quoted. */
  t(name: string): string {
    return `\`${this.prefix}${name}\``;
  }

  select<R = SourceRow>(statement: string, values: readonly unknown[] = []): Promise<R[]> {
    return this.db.select<R>(statement, values);
  }

  async count(table: string, where = '1=1'): Promise<number> {
    const [row] = await this.select<{ n: string | number }>(`SELECT COUNT(*) AS n FROM ${this.t(table)} WHERE ${where}`);
    return Number(row?.n ?? 0);
  }

  /**
   * The rows of a query in pages by an increasing integer key, never the whole table in memory:
   * `query` selects `WHERE <key> > ?` ordered by the key with `LIMIT ?` (both given by this method).
   */
  async *pages(query: string, key: string, size = PAGE): AsyncGenerator<SourceRow[]> {
    let after = -1;
    for (;;) {
      const rows = await this.select(query, [after, size]);
      if (!rows.length) return;
      yield rows;
      after = Number(rows[rows.length - 1]![key]);
      if (rows.length < size) return;
    }
  }
}
