import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { Command, CommanderError } from 'commander';
import { program } from '../../src/cli/program.ts';
import { readLock } from '../../src/db/data-dir-lock.ts';
import { bin, cleanEnv, failed, launch, ok, root, runCli, runInProcess, type Exit } from '../support/cli.ts';
import { databaseKinds, freshDatabase, type FreshDatabase } from '../support/databases.ts';
import { freePort } from '../support/net.ts';

/**
 * The administrative CLI: on an embedded data directory with no server, on one a running server
 * holds (the command is forwarded over the admin socket), and on PostgreSQL when TEST_DATABASE_URL
 * is set. Each suite runs a few commands as a person does, `node bin/tenantdesk.js ...` in a
 * process of its own (exit code, stdout, stderr, the data directory released), and the others
 * through the same program in this process (`runInProcess`), which checks the same output and exit
 * code without paying for a process start each time.
 */
const HEADER = 'slug\tname\tstatus\tparent\tservice-provider\thosts';
const FORWARDED_TENANTS = [
  HEADER,
  'acme\tAcme\tactive\tnorthwind\tno\tacme.test',
  'initech\tInitech\tactive\tacme\tno\tinitech.test',
  'northwind\tNorthwind\tactive\t-\tyes\tdesk.test',
].join('\n');

const tempDirs: string[] = [];

after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tenantdesk-cli-'));
  tempDirs.push(dir);
  return dir;
}

/** `tenantdesk <args> > file`, as a person types it: stdout is the file, not a pipe. */
async function runToFile(args: string[], file: string, vars: Record<string, string>): Promise<Exit> {
  const quoted = [bin, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const child = spawn('/bin/sh', ['-c', `exec '${process.execPath}' ${quoted} > '${file}'`], { cwd: root, env: cleanEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: '', stderr }));
  });
}

/** The archive's header and end line. */
function archiveEnds(file: string): { header: { tenant: { slug: string } }; end: { end: boolean; rows: number } } {
  const lines = gunzipSync(readFileSync(file)).toString('utf8').trimEnd().split('\n');
  return { header: JSON.parse(lines[0]!), end: JSON.parse(lines.at(-1)!) };
}

async function mapLimit<T, R>(items: readonly T[], limit: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await work(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The tenant serving `host` on the running server: its slug, or the error code it answers with. */
async function tenantAt(port: number, host: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/api/v1/tenant', headers: { host }, agent: false }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        const body = JSON.parse(text) as { slug?: string; error?: { code: string } };
        resolve(res.statusCode === 200 ? body.slug! : `${res.statusCode} ${body.error?.code}`);
      });
    });
    req.on('error', reject);
    req.end();
  });
}

// ---------------------------------------------------------------------------------------------
// The suites are independent (each has its own data directory or database) and spend their time
// waiting for child processes, so they run side by side; the tests inside each suite run in order.
describe('tenantdesk command line', { concurrency: true }, () => {
  describe('tenantdesk --help', { concurrency: 1 }, () => {
    /** The help of `path`, from the program the entry point runs, driven in this process: its exit code and text. */
    async function helpInProcess(path: string[]): Promise<{ exitCode: number; text: string }> {
      const cli = program();
      let text = '';
      const quiet = (command: Command): void => {
        command.exitOverride().configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
        command.commands.forEach(quiet);
      };
      quiet(cli);
      try {
        await cli.parseAsync([...path, '--help'], { from: 'user' });
      } catch (error) {
        if (error instanceof CommanderError) return { exitCode: error.exitCode, text };
        throw error;
      }
      assert.fail(`${path.join(' ')} --help ran the command instead of showing its help`);
    }

    const subcommandsIn = (help: string): string[] =>
      (help.split('\nCommands:\n')[1] ?? '')
        .split('\n')
        .map((line) => /^ {2}(\S+)/.exec(line)?.[1])
        .filter((name): name is string => name !== undefined && name !== 'help');

    it('answers --help on every command and subcommand with exit 0, listing its subcommands or options', async () => {
      const subcommands = new Map<string, string[]>();
      const helps = new Map<string, string>();
      // Walks the command tree as the help texts describe it.
      const pending: string[][] = [[]];
      for (let path = pending.shift(); path; path = pending.shift()) {
        const { exitCode, text } = await helpInProcess(path);
        assert.equal(exitCode, 0, path.join(' '));
        assert.ok(text.startsWith(`Usage: tenantdesk ${path.map((p) => `${p} `).join('')}`), text);
        helps.set(path.join(' '), text);
        subcommands.set(path.join(' '), subcommandsIn(text));
        pending.push(...subcommandsIn(text).map((name) => [...path, name]));
      }
      assert.deepEqual(subcommands.get(''), ['start', 'serve', 'migrate', 'demo', 'tenant', 'group', 'contact', 'role', 'apikey', 'import', 'mailbox', 'sso', 'webhook', 'kb', 'mail']);
      assert.deepEqual(subcommands.get('mailbox'), ['add', 'list', 'remove']);
      assert.deepEqual(subcommands.get('mail'), ['pipe', 'quarantine']);
      assert.deepEqual(subcommands.get('import'), ['osticket']);
      assert.deepEqual(subcommands.get('sso'), ['add', 'update', 'list', 'remove']);
      assert.deepEqual(subcommands.get('webhook'), ['add', 'list', 'remove', 'deliveries', 'redeliver']);
      assert.deepEqual(subcommands.get('kb'), ['list', 'show', 'export', 'import']);
      assert.deepEqual(subcommands.get('tenant'), ['create', 'list', 'show', 'delete', 'move', 'export', 'import', 'suspend', 'resume', 'quota', 'sender-domain', 'host']);
      assert.deepEqual(subcommands.get('tenant sender-domain'), ['add', 'remove', 'list']);
      assert.deepEqual(subcommands.get('tenant host'), ['add', 'remove']);
      assert.deepEqual(subcommands.get('group'), ['create', 'add', 'remove', 'list']);
      assert.equal(helps.size, 62, `every command answered: ${[...helps.keys()].join(', ')}`);
      assert.match(helps.get('tenant create')!, /--slug <slug>[\s\S]*--host <host>[\s\S]*--parent <slug>/);
      assert.match(helps.get('group list')!, /--all/);
    });

    it('answers --help in the real process with exit 0, printing the same text, and runs nothing', async () => {
      const dataDir = tempDir();
      const paths = [[], ['start'], ['migrate'], ['tenant', 'host', 'add']];
      const exits = await mapLimit(paths, 2, (path) => runCli([...path, '--help'], { DATA_DIR: dataDir }));
      for (const [i, path] of paths.entries()) assert.equal(`${ok(exits[i]!)}\n`, (await helpInProcess(path)).text);
      assert.deepEqual(subcommandsIn(exits[0]!.stdout), ['start', 'serve', 'migrate', 'demo', 'tenant', 'group', 'contact', 'role', 'apikey', 'import', 'mailbox', 'sso', 'webhook', 'kb', 'mail']);
      assert.deepEqual(readdirSync(dataDir), [], 'start --help served nothing and migrate --help opened no database');
    });
  });

  describe('admin commands on an embedded data directory with no server running', { concurrency: 1 }, () => {
    let dataDir: string;
    const cli = (...args: string[]) => runInProcess(args, { DATA_DIR: dataDir });
    const inItsOwnProcess = (...args: string[]) => runCli(args, { DATA_DIR: dataDir });

    before(() => {
      dataDir = tempDir();
    });

    it('migrate applies every migration, then reports the database up to date', async () => {
      assert.match(ok(await inItsOwnProcess('migrate')), /^Applied migrations: 0001, .*\bsecurity\.$/);
      assert.equal(ok(await cli('migrate')), 'The database is up to date.');
    });

    it('creates tenants: the first is the service provider, the next one names its parent', async () => {
      assert.equal(ok(await cli('tenant', 'create', '--slug', 'northwind', '--name', 'Northwind', '--host', 'desk.test')), 'Created tenant northwind (the service provider).');
      assert.equal(
        ok(await cli('tenant', 'create', '--slug', 'acme', '--name', 'Acme', '--parent', 'northwind', '--subtenants-allowed', '--host', 'acme.test', '--host', 'www.acme.test')),
        'Created tenant acme.',
      );
    });

    it('suspends and resumes a tenant', async () => {
      assert.equal(ok(await cli('tenant', 'suspend', 'acme')), 'Tenant acme is now suspended.');
      assert.equal(ok(await cli('tenant', 'resume', 'acme')), 'Tenant acme is now active.');
    });

    it('adds and removes a tenant host', async () => {
      assert.equal(ok(await cli('tenant', 'host', 'add', 'acme', 'Support.Acme.Test')), 'Host support.acme.test now serves tenant acme.');
      assert.equal(ok(await cli('tenant', 'host', 'remove', 'acme', 'www.acme.test')), 'Host www.acme.test removed from tenant acme.');
    });

    it('creates a tenant group, adds and removes members, and lists it', async () => {
      assert.equal(ok(await cli('group', 'create', 'vip', '--name', 'VIP customers', '--description', 'answered first')), 'Created tenant group vip.');
      assert.equal(ok(await cli('group', 'add', 'vip', 'acme', 'northwind')), 'Added acme, northwind to vip.');
      assert.equal(ok(await cli('group', 'remove', 'vip', 'northwind')), 'Removed northwind from vip.');
      assert.equal(ok(await cli('group', 'list')), 'slug\tkind\tname\tmembers\nvip\tuser\tVIP customers\tacme');
    });

    it('lists and shows tenants with every change made above', async () => {
      assert.equal(
        ok(await inItsOwnProcess('tenant', 'list')),
        [HEADER, 'acme\tAcme\tactive\tnorthwind\tno\tacme.test,support.acme.test', 'northwind\tNorthwind\tactive\t-\tyes\tdesk.test'].join('\n'),
      );
      assert.equal(ok(await cli('tenant', 'show', 'acme')), [HEADER, 'acme\tAcme\tactive\tnorthwind\tno\tacme.test,support.acme.test'].join('\n'));
    });

    it('exports a tenant to a file, deletes it, imports it back, and moves it to a silo and back', async () => {
      ok(await cli('contact', 'create', '--tenant', 'acme', '--email', 'pat@acme.test', '--name', 'Pat', '--kind', 'customer'));
      const file = join(dataDir, 'acme.tdz');
      const exported = await runToFile(['tenant', 'export', 'acme'], file, { DATA_DIR: dataDir });
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(exported.stderr, '', 'no progress bar when stderr is not a terminal');
      const { header, end } = archiveEnds(file);
      assert.equal(header.tenant.slug, 'acme');
      assert.ok(end.end && end.rows >= 1);
      failed(await cli('tenant', 'import', file), 'CONFLICT', /"acme" already exists/);
      assert.equal(ok(await cli('tenant', 'delete', 'acme', '--yes')), 'Deleted tenant acme and all its data.');
      assert.equal(ok(await cli('tenant', 'import', file)), `Imported tenant acme into the pool: ${end.rows} rows and 0 files.`);
      assert.match(ok(await cli('tenant', 'show', 'acme')), /^acme\tAcme\tactive\tnorthwind\tno\tacme.test,support.acme.test$/m);
      assert.match(ok(await cli('tenant', 'move', 'acme', '--to', 'silo')), new RegExp(`^Moved acme from pool to silo-acme: ${end.rows} rows in \\d+ tables copied and verified`));
      assert.match(ok(await cli('tenant', 'move', 'acme', '--to', 'pool')), /^Moved acme from silo-acme to pool: /);
      failed(await cli('tenant', 'move', 'acme', '--to', 'mars'), 'VALIDATION_FAILED', /--to is pool or silo/);
      failed(await cli('tenant', 'import', join(dataDir, 'missing.tdz')), 'NOT_FOUND');
    });

    it('refuses a duplicate slug with one line naming CONFLICT, and releases the data directory', async () => {
      failed(await inItsOwnProcess('tenant', 'create', '--slug', 'acme', '--name', 'Acme again'), 'CONFLICT', /"acme" already exists/);
      assert.equal(existsSync(join(dataDir, 'tenantdesk.lock')), false);
    });
  });

  describe('admin commands forwarded to a server running on the embedded data directory', { concurrency: 1 }, () => {
    let dataDir: string;
    let server: ReturnType<typeof launch>;
    let port: number;
    const cli = (...args: string[]) => runInProcess(args, { DATA_DIR: dataDir });
    const inItsOwnProcess = (...args: string[]) => runCli(args, { DATA_DIR: dataDir });
    const lockPath = () => join(dataDir, 'tenantdesk.lock');

    before(async () => {
      dataDir = tempDir();
      port = await freePort();
      // The embedded database admits one process, so a command that succeeds while the server runs
      // was run by the server. Changes made by other processes would only be seen after this TTL:
      // whatever the server shows at once, it did itself.
      server = launch(['serve'], { DATA_DIR: dataDir, PORT: String(port), HOST_CACHE_TTL_MS: '600000' });
      const deadline = Date.now() + 180_000;
      for (;;) {
        const lock = readLock(dataDir);
        if (lock && lock.pid === server.child.pid && lock.adminSocket && existsSync(lock.adminSocket)) break;
        if (server.child.exitCode !== null) assert.fail(`the server exited: ${(await server.exited).stderr}`);
        if (Date.now() > deadline) assert.fail('the server did not start within 180 s');
        await new Promise((r) => setTimeout(r, 50));
      }
    });

    after(() => {
      if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    });

    it('creates tenants in the server, which serves their hosts at once', async () => {
      assert.equal(await tenantAt(port, 'acme.test'), '404 UNKNOWN_HOST');
      assert.equal(ok(await cli('tenant', 'create', '--slug', 'northwind', '--name', 'Northwind', '--host', 'desk.test')), 'Created tenant northwind (the service provider).');
      assert.equal(ok(await cli('tenant', 'create', '--slug', 'acme', '--name', 'Acme', '--parent', 'northwind', '--subtenants-allowed', '--host', 'acme.test')), 'Created tenant acme.');
      assert.equal(ok(await cli('tenant', 'create', '--slug', 'initech', '--name', 'Initech', '--parent', 'acme', '--host', 'initech.test')), 'Created tenant initech.');
      assert.equal(await tenantAt(port, 'desk.test'), 'northwind');
      assert.equal(await tenantAt(port, 'acme.test'), 'acme');
      assert.equal(await tenantAt(port, 'initech.test'), 'initech');
    });

    it('lists and shows tenants', async () => {
      const [list, show] = await Promise.all([inItsOwnProcess('tenant', 'list'), cli('tenant', 'show', 'initech')]);
      assert.equal(ok(list), FORWARDED_TENANTS);
      assert.equal(ok(show), [HEADER, 'initech\tInitech\tactive\tacme\tno\tinitech.test'].join('\n'));
    });

    it('suspends and resumes a tenant; the server answers TENANT_SUSPENDED, then serves it again, at once', async () => {
      assert.equal(ok(await cli('tenant', 'suspend', 'initech')), 'Tenant initech is now suspended.');
      assert.equal(await tenantAt(port, 'initech.test'), '403 TENANT_SUSPENDED');
      assert.equal(ok(await cli('tenant', 'resume', 'initech')), 'Tenant initech is now active.');
      assert.equal(await tenantAt(port, 'initech.test'), 'initech');
    });

    it('adds and removes a host; the server resolves, then forgets, it at once', async () => {
      assert.equal(ok(await cli('tenant', 'host', 'add', 'initech', 'help.initech.test')), 'Host help.initech.test now serves tenant initech.');
      assert.equal(await tenantAt(port, 'help.initech.test'), 'initech');
      assert.equal(ok(await cli('tenant', 'host', 'remove', 'initech', 'help.initech.test')), 'Host help.initech.test removed from tenant initech.');
      assert.equal(await tenantAt(port, 'help.initech.test'), '404 UNKNOWN_HOST');
    });

    it('creates a tenant group, adds and removes members, and lists it', async () => {
      assert.equal(ok(await cli('group', 'create', 'beta', '--name', 'Beta testers')), 'Created tenant group beta.');
      assert.equal(ok(await cli('group', 'add', 'beta', 'initech', 'acme')), 'Added initech, acme to beta.');
      assert.equal(ok(await cli('group', 'remove', 'beta', 'acme')), 'Removed acme from beta.');
      assert.equal(ok(await cli('group', 'list')), 'slug\tkind\tname\tmembers\nbeta\tuser\tBeta testers\tinitech');
    });

    it('streams an export from the server to a file, and the server moves a tenant while serving it', async () => {
      const file = join(dataDir, 'initech.tdz');
      const exported = await runToFile(['tenant', 'export', 'initech'], file, { DATA_DIR: dataDir });
      assert.equal(exported.code, 0, exported.stderr);
      assert.equal(archiveEnds(file).header.tenant.slug, 'initech');
      assert.equal(archiveEnds(file).end.end, true);
      failed(await cli('tenant', 'export', 'nobody'), 'NOT_FOUND', /No tenant "nobody"\. \(tenant\)/);
      assert.match(ok(await cli('tenant', 'move', 'initech', '--to', 'silo')), /^Moved initech from pool to silo-initech: /);
      assert.equal(await tenantAt(port, 'initech.test'), 'initech');
      assert.match(ok(await cli('tenant', 'move', 'initech', '--to', 'pool')), /^Moved initech from silo-initech to pool: /);
      assert.equal(await tenantAt(port, 'initech.test'), 'initech');
    });

    it('refuses bad input with one line naming the error code, changing nothing, and the server keeps serving', async () => {
      const [duplicate, unknownParent, ownParent, badHost] = await Promise.all([
        inItsOwnProcess('tenant', 'create', '--slug', 'initech', '--name', 'Initech again'),
        cli('tenant', 'create', '--slug', 'hooli', '--name', 'Hooli', '--parent', 'nowhere'),
        // The CLI cannot re-parent, so the only cycle it can ask for is a tenant as its own parent.
        cli('tenant', 'create', '--slug', 'ouroboros', '--name', 'Loop', '--parent', 'ouroboros'),
        cli('tenant', 'host', 'add', 'initech', 'not a host!'),
      ]);
      failed(duplicate!, 'CONFLICT', /"initech" already exists/);
      failed(unknownParent!, 'NOT_FOUND', /"nowhere"/);
      failed(ownParent!, 'NOT_FOUND', /"ouroboros"/);
      failed(badHost!, 'VALIDATION_FAILED', /"not a host!" is not a valid host name/);
      assert.equal(ok(await cli('tenant', 'list')), FORWARDED_TENANTS);
      assert.equal(await tenantAt(port, 'acme.test'), 'acme');
    });

    it('the server stops on SIGTERM with exit 0, releasing the data directory and removing its admin socket', async () => {
      server.child.kill('SIGTERM');
      const exit = await server.exited;
      assert.deepEqual({ code: exit.code, signal: exit.signal, stderr: exit.stderr }, { code: 0, signal: null, stderr: '' });
      assert.equal(existsSync(lockPath()), false);
      assert.equal(existsSync(join(dataDir, 'admin.sock')), false);
    });
  });

  if (databaseKinds().includes('postgres')) {
    describe('admin commands on PostgreSQL (DATABASE_URL)', { concurrency: 1 }, () => {
      let fresh: FreshDatabase | undefined;
      let dataDir: string;
      const cli = (...args: string[]) => runInProcess(args, { DATA_DIR: dataDir, DATABASE_URL: fresh!.url! });
      const inItsOwnProcess = (...args: string[]) => runCli(args, { DATA_DIR: dataDir, DATABASE_URL: fresh!.url! });

      before(async () => {
        dataDir = tempDir();
        fresh = await freshDatabase('postgres', { migrate: false });
      });

      after(async () => {
        await fresh?.drop();
      });

      it('migrate applies every migration to an empty database, then reports it up to date', async () => {
        assert.match(ok(await inItsOwnProcess('migrate')), /^Applied migrations: 0001, .*\bsecurity\.$/);
        assert.equal(ok(await cli('migrate')), 'The database is up to date.');
      });

      it('creates, suspends, resumes, lists and shows tenants', async () => {
        assert.equal(ok(await cli('tenant', 'create', '--slug', 'northwind', '--name', 'Northwind', '--host', 'desk.test')), 'Created tenant northwind (the service provider).');
        assert.equal(ok(await cli('tenant', 'create', '--slug', 'acme', '--name', 'Acme', '--parent', 'northwind', '--host', 'acme.test')), 'Created tenant acme.');
        assert.equal(ok(await cli('tenant', 'suspend', 'acme')), 'Tenant acme is now suspended.');
        const [list, show] = await Promise.all([cli('tenant', 'list'), cli('tenant', 'show', 'acme')]);
        assert.equal(ok(list), [HEADER, 'acme\tAcme\tsuspended\tnorthwind\tno\tacme.test', 'northwind\tNorthwind\tactive\t-\tyes\tdesk.test'].join('\n'));
        assert.equal(ok(show), [HEADER, 'acme\tAcme\tsuspended\tnorthwind\tno\tacme.test'].join('\n'));
        assert.equal(ok(await cli('tenant', 'resume', 'acme')), 'Tenant acme is now active.');
        const row = await fresh!.database.owner.selectFrom('tenants').select(['status', 'is_service_provider']).where('slug', '=', 'acme').executeTakeFirstOrThrow();
        assert.deepEqual(row, { status: 'active', is_service_provider: false });
      });

      it('adds and removes tenant hosts', async () => {
        assert.equal(ok(await cli('tenant', 'host', 'add', 'acme', 'support.acme.test')), 'Host support.acme.test now serves tenant acme.');
        assert.equal(ok(await cli('tenant', 'host', 'remove', 'acme', 'acme.test')), 'Host acme.test removed from tenant acme.');
        const hosts = await fresh!.database.owner.selectFrom('tenant_hosts').select('host').orderBy('host').execute();
        assert.deepEqual(hosts.map((h) => h.host), ['desk.test', 'support.acme.test']);
      });

      it('creates a tenant group, adds and removes members, and lists it', async () => {
        assert.equal(ok(await cli('group', 'create', 'vip', '--name', 'VIP customers')), 'Created tenant group vip.');
        assert.equal(ok(await cli('group', 'add', 'vip', 'acme', 'northwind')), 'Added acme, northwind to vip.');
        assert.equal(ok(await cli('group', 'remove', 'vip', 'acme')), 'Removed acme from vip.');
        assert.equal(ok(await cli('group', 'list')), 'slug\tkind\tname\tmembers\nvip\tuser\tVIP customers\tnorthwind');
      });

      it('refuses a duplicate slug and an unknown parent with one line naming the error code', async () => {
        const [duplicate, unknownParent] = await Promise.all([
          inItsOwnProcess('tenant', 'create', '--slug', 'acme', '--name', 'Acme again'),
          cli('tenant', 'create', '--slug', 'hooli', '--name', 'Hooli', '--parent', 'nowhere'),
        ]);
        failed(duplicate, 'CONFLICT', /"acme" already exists/);
        failed(unknownParent, 'NOT_FOUND', /"nowhere"/);
        assert.deepEqual(readdirSync(dataDir), [], 'with DATABASE_URL the data directory is never used');
      });

      it('refuses to start on a migration changed after it was applied, in one line and no stack trace', async () => {
        await sql`update schema_migrations set checksum = 'edited' where version = '0002'`.execute(fresh!.database.owner);
        const exit = await cli('tenant', 'list');
        assert.equal(exit.code, 1);
        assert.match(exit.stderr, /^tenantdesk: Migration 0002_\S+ was changed after it was applied; migrations are forward-only: add a new file instead\.\n$/);
      });
    });
  }
});
