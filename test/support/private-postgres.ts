import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './net.ts';
import { postgresBinaries } from './postgres-binaries.ts';

/**
 * A throwaway PostgreSQL cluster of our own, for fault tests that stop and restart the database:
 * the shared server on 5432 is used by every other test running in parallel and is never touched.
 * initdb in a temp directory, trust authentication, 127.0.0.1 on a free port, the socket in that
 * directory, from the binaries postgres-binaries.ts finds (the machine's, else the npm package's).
 * As root (PostgreSQL refuses to run as root) they run as the `postgres` user, or `nobody` on a
 * machine without PostgreSQL installed. Starting it throws when it cannot: a fault test without its
 * database fails, never skips.
 */
const run = promisify(execFile);

type Account = { uid: number; gid: number };

/** Who runs the server: ourselves, or as root a user PostgreSQL accepts. */
function serverAccount(): Account | undefined {
  if (process.getuid?.() !== 0) return undefined;
  for (const name of ['postgres', 'nobody']) {
    try {
      const id = (flag: string) => Number(execFileSync('id', [flag, name], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().trim());
      return { uid: id('-u'), gid: id('-g') };
    } catch {
      // no such user: try the next
    }
  }
  throw new Error('running as root, and neither a `postgres` nor a `nobody` user exists to run PostgreSQL as');
}

export type StopMode = 'smart' | 'fast' | 'immediate';

export class PrivatePostgres {
  #running = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
    private readonly account: Account | undefined,
    private readonly bin: string,
  ) {}

  /** Creates the cluster and starts it. */
  static async create(): Promise<PrivatePostgres> {
    const account = serverAccount();
    const { dir: bin } = postgresBinaries();
    const dir = mkdtempSync(join(tmpdir(), 'td-private-pg-'));
    if (account) chownSync(dir, account.uid, account.gid);
    const cluster = new PrivatePostgres(dir, await freePort(), account, bin);
    if (cluster.port === 5432) throw new Error('refusing to run a private cluster on the shared port 5432');
    try {
      await cluster.#pg('initdb', ['-D', cluster.dataDir, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '--no-sync']);
      await cluster.start();
    } catch (error) {
      await cluster.destroy();
      throw new Error(`the private PostgreSQL cluster could not be started in ${dir}: ${(error as Error).message}`, { cause: error });
    }
    // A test process that ends without `destroy` (the server a process started for itself) must not
    // leave a server or its files behind.
    process.once('exit', () => {
      cluster.#stopNow();
      rmSync(cluster.dir, { recursive: true, force: true });
    });
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
      const [file, argv, options] = this.#command('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']);
      execFileSync(file, argv, { ...options, stdio: 'ignore' });
    } catch {
      // already gone
    }
    this.#running = false;
  }

  #command(program: string, args: string[]): [string, string[], { cwd: string; uid?: number; gid?: number }] {
    return [join(this.bin, program), args, { cwd: this.dir, ...(this.account ?? {}) }];
  }

  async #pg(program: string, args: string[]): Promise<void> {
    const [file, argv, options] = this.#command(program, args);
    try {
      await run(file, argv, { ...options, timeout: 120_000 });
    } catch (error) {
      const e = error as { stderr?: string; message: string };
      throw new Error(`${program} failed: ${e.stderr?.trim() || e.message}\n${this.log().slice(-2000)}`);
    }
  }
}
