import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net.ts';

/**
 * A throwaway PostgreSQL cluster of our own, for fault tests that stop and restart the database:
 * the shared server on 5432 is used by every other test running in parallel and is never touched.
 * initdb in a temp directory, trust authentication, 127.0.0.1 on a free port, the socket in that
 * directory. As root (PostgreSQL refuses to run as root) the binaries run as `postgres` through
 * `runuser`. Starting it throws when it cannot: a fault test without its database fails, never skips.
 */
const BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const run = promisify(execFile);

export type StopMode = 'smart' | 'fast' | 'immediate';

export class PrivatePostgres {
  #running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly asPostgres: boolean,
  ) {}

  /** Creates the cluster and starts it. */
  static async create(): Promise<PrivatePostgres> {
    const root = process.getuid?.() === 0;
    const dir = mkdtempSync(join(tmpdir(), 'td-private-pg-'));
    if (root) chownSync(dir, Number(execFileSync('id', ['-u', 'postgres']).toString()), Number(execFileSync('id', ['-g', 'postgres']).toString()));
    const cluster = new PrivatePostgres(dir, await freePort(), root);
    if (cluster.port === 5432) throw new Error('refusing to run a private cluster on the shared port 5432');
    try {
      await cluster.#pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      await cluster.start();
    } catch (error) {
      await cluster.destroy();
      throw new Error(`the private PostgreSQL cluster could not be started in ${dir}: ${(error as Error).message}`, { cause: error });
    }
    // A test process that dies without `destroy` must not leave a server behind.
    process.once('exit', () => cluster.#stopNow());
    return cluster;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get running(): boolean {
    return this.#running;
  }

  /** A superuser URL of one of its databases. */
  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  async start(): Promise<void> {
    // fsync off: these clusters hold test data only, and a stop (even immediate) still keeps the WAL.
    const options = `-p ${this.port} -k ${this.dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200`;
    await this.#pg('pg_ctl', ['-D', this.dataDir, '-l', join(this.dir, 'server.log'), '-o', options, '-w', '-t', '60', 'start']);
    this.#running = true;
  }

  /** `fast` ends sessions (57P01) and checkpoints; `immediate` is a crash: recovery at the next start. */
  async stop(mode: StopMode = 'fast'): Promise<void> {
    await this.#pg('pg_ctl', ['-D', this.dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    this.#running = false;
  }

  async restart(mode: StopMode = 'fast'): Promise<void> {
    await this.stop(mode);
    await this.start();
  }

  async createDatabase(name: string): Promise<string> {
    await this.query(`create database "${name}"`);
    return this.url(name);
  }

  /** One statement on its own connection to the `postgres` database. */
  async query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    const client = new pg.Client({ connectionString: this.url() });
    await client.connect();
    try {
      return await client.query<R>(text, values);
    } finally {
      await client.end();
    }
  }

  /** The server's log, to show when a test fails. */
  log(): string {
    const file = join(this.dir, 'server.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async destroy(): Promise<void> {
    if (this.#running) await this.stop('immediate').catch(() => this.#stopNow());
    rmSync(this.dir, { recursive: true, force: true });
  }

  #stopNow(): void {
    if (!this.#running) return;
    try {
      execFileSync(...this.#command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']), { stdio: 'ignore' });
    } catch {
      // already gone
    }
    this.#running = false;
  }

  #command(program: string, args: string[]): [string, string[]] {
    const binary = join(BIN, program);
    return this.asPostgres ? ['runuser', ['-u', 'postgres', '--', binary, ...args]] : [binary, args];
  }

  async #pg(program: string, args: string[]): Promise<void> {
    const [file, argv] = this.#command(program, args);
    try {
      await run(file, argv, { cwd: this.dir, timeout: 120_000 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${program} failed: ${e.stderr?.trim() || e.message}\n${this.log().slice(-2000)}`);
    }
  }
}
