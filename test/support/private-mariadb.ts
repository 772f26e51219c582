import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { createConnection, type Connection } from 'mysql2/promise';
import { freePort } from './net.ts';

/**
 * A throwaway MariaDB server of our own, for the osTicket import tests: `mariadb-install-db` into a
 * temp directory, `mariadbd` on 127.0.0.1 and a free port, root without a password, killed and
 * removed at the end. Never the machine's own MariaDB. Without the binaries it throws at once with
 * the command that installs them: a test without its database fails, never skips.
 */
const run = promisify(execFile);
const INSTALL = 'apt-get install -y mariadb-server';

function binary(name: string): string {
  for (const dir of ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin']) {
    const path = join(dir, name);
    if (existsSync(path)) return path;
  }
  throw new Error(`${name} is not installed; the osTicket import tests need a MariaDB server: ${INSTALL}`);
}

export class PrivateMariadb {
  #server: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async create(): Promise<PrivateMariadb> {
    const mariadbd = binary('mariadbd');
    const installDb = binary('mariadb-install-db');
    const dir = mkdtempSync(join(tmpdir(), 'td-private-mariadb-'));
    const server = new PrivateMariadb(dir, await freePort());
    if (server.port === 3306) throw new Error('refusing to run a private MariaDB on the shared port 3306');
    const user = process.getuid?.() === 0 ? ['--user=root'] : [];
    try {
      await run(installDb, ['--no-defaults', `--datadir=${server.dataDir}`, '--auth-root-authentication-method=normal', '--skip-test-db', ...user], { timeout: 120_000 });
      server.#server = spawn(mariadbd, [
        '--no-defaults', `--datadir=${server.dataDir}`, `--socket=${join(dir, 'mysqld.sock')}`, `--pid-file=${join(dir, 'mysqld.pid')}`,
        '--bind-address=127.0.0.1', `--port=${server.port}`, '--skip-name-resolve', '--innodb-buffer-pool-size=16M',
        '--innodb-log-file-size=8M', '--skip-log-bin', '--character-set-server=utf8mb4', `--log-error=${join(dir, 'error.log')}`, ...user,
      ], { stdio: 'ignore' });
      await server.#waitReady();
    } catch (error) {
      await server.destroy();
      throw new Error(`the private MariaDB server could not be started in ${dir}: ${(error as Error).message}\n${server.log().slice(-2000)}`, { cause: error });
    }
    process.once('exit', () => {
      server.#server?.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    });
    return server;
  }

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** A root URL of one of its databases, as the importer takes it. */
  url(database: string, user = 'root', password = ''): string {
    return `mysql://${encodeURIComponent(user)}${password ? `:${encodeURIComponent(password)}` : ''}@127.0.0.1:${this.port}/${database}`;
  }

  /** A root connection for the fixture builders (they write; the importer never does). */
  async connect(database?: string): Promise<Connection> {
    return createConnection({ host: '127.0.0.1', port: this.port, user: 'root', charset: 'utf8mb4', multipleStatements: true, ...(database ? { database } : {}) });
  }

  log(): string {
    const file = join(this.dir, 'error.log');
    return existsSync(file) ? readFileSync(file, 'utf8') : '';
  }

  async destroy(): Promise<void> {
    const server = this.#server;
    if (server && server.exitCode === null) {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    }
    rmSync(this.dir, { recursive: true, force: true });
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + 60_000;
    for (;;) {
      if (this.#server?.exitCode !== null) throw new Error(`mariadbd exited with ${this.#server?.exitCode}`);
      try {
        const connection = await this.connect();
        await connection.end();
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
  }
}
