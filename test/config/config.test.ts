import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/config.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(root, 'bin', 'tenantdesk.js');

const BAD_VALUES: [variable: string, value: string][] = [
  ['PORT', 'abc'],
  ['PORT', '70000'],
  ['MULTI_TENANCY', 'maybe'],
  ['DATABASE_URL', 'mysql://x'],
  ['TRUST_PROXY', 'yes'],
  ['MAX_TENANT_DEPTH', '0'],
];

/** Checked in process only (the process test below starts one command per entry of BAD_VALUES). */
const MAIL_BAD_VALUES: [variable: string, value: string][] = [
  ['MAIL_TRUSTED_AUTHSERV_IDS', 'mx.acme.test; dmarc=pass'],
  ['MAIL_TRUSTED_RELAYS', '10.0.0.0/33'],
  ['MAIL_TRUSTED_RELAYS', 'relay.acme.test'],
  ['MAIL_AGENT_TOKEN_DAYS', '0'],
];

describe('loadConfig', () => {
  it('uses the documented defaults when nothing is set', () => {
    const { outboundPolicy, ...config } = loadConfig({});
    // Public addresses only: OUTBOUND_ALLOW adds nothing.
    assert.deepEqual([outboundPolicy.entries, [...outboundPolicy.hosts], outboundPolicy.allowed.rules], [[], [], []]);
    assert.deepEqual(config, {
      port: 8080,
      host: '127.0.0.1',
      dataDir: './data',
      databaseUrl: undefined,
      appDatabaseUrl: undefined,
      dbPoolMax: 10,
      dbPreparedStatements: true,
      logLevel: 'info',
      logFormat: 'auto',
      trustProxy: false,
      multiTenancy: 'on',
      untenanted: 'strict',
      maxTenantDepth: 8,
      maxTenants: undefined,
      hostCacheTtlMs: 1000,
      shutdownGraceMs: 10000,
      sessionTtlMs: 12 * 3600_000,
      signInThrottle: { maxPerAccountClient: 5, maxPerIp: 50, windowMs: 15 * 60_000 },
      tenantLimits: { apiRate: 50, apiBurst: 200, mailPerHour: 1000, storageBytes: 10 * 1024 ** 3 },
      publicScheme: 'https',
      jobs: { enabled: true, pollMs: 1000 },
      attachmentMaxBytes: 10 * 1024 * 1024,
      mail: {
        smtpPort: undefined,
        smtpHost: '127.0.0.1',
        tls: undefined,
        relayUrl: undefined,
        secret: undefined,
        defaultFrom: 'helpdesk@localhost',
        senderDomains: ['localhost'],
        maxMessageBytes: 25 * 1024 * 1024,
        maxAttachmentBytes: 10 * 1024 * 1024,
        ratePerSenderPerHour: 30,
        trustedAuthservIds: [],
        trustedRelays: ['127.0.0.0/8', '::1'],
        agentTokenMaxAgeMs: 30 * 24 * 3600_000,
        publicOrigin: { scheme: 'https', port: undefined },
      },
      apiLeaseMax: 20,
      metrics: { port: undefined, host: '127.0.0.1', tenants: [] },
    });
  });

  it('reads the authserv-ids and relays trusted for agent mail as lists', () => {
    const { mail } = loadConfig({ MAIL_TRUSTED_AUTHSERV_IDS: ' MX1.Acme.test, mx2.acme.test ,', MAIL_TRUSTED_RELAYS: '10.0.0.0/8, 192.0.2.7,fd00::/8', MAIL_AGENT_TOKEN_DAYS: '7' });
    assert.deepEqual(mail.trustedAuthservIds, ['mx1.acme.test', 'mx2.acme.test']);
    assert.deepEqual(mail.trustedRelays, ['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);
    assert.equal(mail.agentTokenMaxAgeMs, 7 * 24 * 3600_000);
  });

  it('reads the metrics port, address and per-tenant series, and refuses the app port for metrics', () => {
    const config = loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0', METRICS_TENANTS: 'acme,globex,acme' });
    assert.deepEqual(config.metrics, { port: 9464, host: '0.0.0.0', tenants: ['acme', 'globex'] });
    assert.throws(() => loadConfig({ PORT: '8080', METRICS_PORT: '8080' }), (error: unknown) => error instanceof ConfigError && /METRICS_PORT/.test(error.message) && !/\n/.test(error.message));
    for (const [variable, value] of [['METRICS_PORT', 'metrics'], ['METRICS_TENANTS', 'Acme Corp'], ['TENANT_API_LEASE_MAX', '0']] as const) {
      assert.throws(() => loadConfig({ [variable]: value }), (error: unknown) => error instanceof ConfigError && error.message.startsWith(`Invalid ${variable}=`));
    }
  });

  it('treats an exported but empty variable as not set', () => {
    const config = loadConfig({ PORT: '', MULTI_TENANCY: '', DATABASE_URL: '' });
    assert.equal(config.port, 8080);
    assert.equal(config.multiTenancy, 'on');
    assert.equal(config.databaseUrl, undefined);
  });

  it('reads the shutdown grace period, under its former name SHUTDOWN_TIMEOUT_MS too', () => {
    assert.equal(loadConfig({ SHUTDOWN_GRACE_MS: '2500' }).shutdownGraceMs, 2500);
    assert.equal(loadConfig({ SHUTDOWN_TIMEOUT_MS: '60000' }).shutdownGraceMs, 60000);
    assert.equal(loadConfig({ SHUTDOWN_GRACE_MS: '2500', SHUTDOWN_TIMEOUT_MS: '60000' }).shutdownGraceMs, 2500);
  });

  it('reads the outbound policy and the installation sender domains', () => {
    const config = loadConfig({ OUTBOUND_ALLOW: '127.0.0.0/8, ::1 relay.corp.internal', MAIL_FROM: 'desk@provider.example', MAIL_SENDER_DOMAINS: 'Provider.example, northwind.test' });
    assert.deepEqual(config.outboundPolicy.entries, ['127.0.0.0/8', '::1', 'relay.corp.internal']);
    assert.ok(config.outboundPolicy.allowed.check('127.0.0.1', 'ipv4'));
    assert.deepEqual([...config.outboundPolicy.hosts], ['relay.corp.internal']);
    assert.deepEqual(config.mail.senderDomains, ['provider.example', 'northwind.test']);
  });

  it('refuses a malformed OUTBOUND_ALLOW or MAIL_SENDER_DOMAINS in one line naming the variable and the bad entry', () => {
    for (const [variable, value, entry] of [['OUTBOUND_ALLOW', '127.0.0.0/8, 10.0.0.0/33', '10.0.0.0/33'], ['OUTBOUND_ALLOW', 'http://relay', 'http://relay'], ['MAIL_SENDER_DOMAINS', 'not a domain', 'domain names']] as const) {
      assert.throws(() => loadConfig({ [variable]: value }), (error: Error) => error instanceof ConfigError && error.message.startsWith(`Invalid ${variable}=`) && error.message.includes(entry) && !error.message.includes('\n'));
    }
  });

  it('reads valid values of every kind', () => {
    const config = loadConfig({
      PORT: '0',
      DATABASE_URL: 'postgresql://u@db/x',
      TRUST_PROXY: '1',
      MULTI_TENANCY: 'setup',
      MAX_TENANT_DEPTH: '3',
      MAX_TENANTS: '20',
      LOG_LEVEL: 'silent',
    });
    assert.equal(config.port, 0);
    assert.equal(config.databaseUrl, 'postgresql://u@db/x');
    assert.equal(config.trustProxy, true);
    assert.equal(config.multiTenancy, 'setup');
    assert.equal(config.maxTenantDepth, 3);
    assert.equal(config.maxTenants, 20);
    assert.equal(config.logLevel, 'silent');
  });

  for (const [variable, value] of [...BAD_VALUES, ...MAIL_BAD_VALUES]) {
    it(`refuses ${variable}=${value} with a ConfigError of one line naming ${variable}`, () => {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
          assert.doesNotMatch(error.message, /\n/);
          assert.match(error.message, new RegExp(`\\b${variable}\\b`));
          assert.ok(error.message.includes(value), `the message shows the bad value: ${error.message}`);
          return true;
        },
      );
    });
  }

  it('does not repeat the password of a malformed database URL in its message', () => {
    for (const [variable, value] of [
      ['DATABASE_URL', 'postgress://app:s3cret-pw@db.internal/desk'],
      ['APP_DATABASE_URL', 'mysql://tenantdesk_app:s3cret-pw@db/x'],
    ] as const) {
      assert.throws(
        () => loadConfig({ [variable]: value }),
        (error: unknown) => error instanceof ConfigError && error.message.includes(variable) && error.message.includes(':***@') && !error.message.includes('s3cret-pw'),
      );
    }
  });

  it('names the bad variable even when other variables are valid', () => {
    assert.throws(() => loadConfig({ PORT: '8081', LOG_LEVEL: 'loud', HOST: '0.0.0.0' }), (error: unknown) => error instanceof ConfigError && /\bLOG_LEVEL\b/.test(error.message) && !error.message.includes('PORT'));
  });
});

// ---------------------------------------------------------------------------------------------
// The real process: what a person starting TenantDesk with a bad setting sees.

type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

const children = new Set<ChildProcess>();

/** Only what the process needs: the test runner's own settings (NODE_TEST_CONTEXT, TEST_DATABASE_URL...) stay out. */
function cleanEnv(vars: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', LOG_LEVEL: 'warn', HOST: '127.0.0.1', PORT: '0' };
  if (process.env.HOME) env.HOME = process.env.HOME;
  if (process.env.TMPDIR) env.TMPDIR = process.env.TMPDIR;
  return { ...env, ...vars };
}

function runCli(args: string[], vars: Record<string, string>, timeoutMs = 180_000): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd: root, env: cleanEnv(vars), stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`tenantdesk ${args.join(' ')} did not exit within ${timeoutMs} ms; stdout: ${stdout} stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

function assertOneLineFailure(exit: Exit, pattern: RegExp): string {
  assert.notEqual(exit.code, 0, `exit code; stderr: ${exit.stderr}`);
  assert.equal(exit.signal, null);
  const lines = exit.stderr.split('\n').filter((line) => line.length > 0);
  assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${exit.stderr}`);
  const line = lines[0]!;
  assert.match(line, pattern);
  assert.doesNotMatch(line, /\bat .*:\d+:\d+|Error:|node:internal/, 'no stack trace or raw error dump');
  return line;
}

describe('starting the process with a bad setting', () => {
  let dataDir: string;

  before(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-config-'));
  });

  after(() => {
    for (const child of children) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  // The commands differ so that both the server start-up and the administrative commands are covered.
  const commands = [['start'], ['serve'], ['migrate'], ['tenant', 'list'], ['start'], ['serve']];

  it('prints exactly one line naming the variable and exits non-zero, for every bad value', async () => {
    const exits = await Promise.all(BAD_VALUES.map(([variable, value], i) => runCli(commands[i]!, { DATA_DIR: dataDir, [variable]: value })));
    exits.forEach((exit, i) => {
      const [variable] = BAD_VALUES[i]!;
      const line = assertOneLineFailure(exit, new RegExp(`^tenantdesk: .*\\b${variable}\\b`));
      assert.equal(exit.stdout, '', `nothing on stdout for ${line}`);
    });
    assert.deepEqual(readdirSync(dataDir), [], 'nothing was created in the data directory');
  });

  it('prints one clear line and exits non-zero when the PostgreSQL server cannot be reached, without showing the password', async () => {
    const url = 'postgres://postgres:s3cret-pw@127.0.0.1:1/x';
    const [serve, list] = await Promise.all([
      runCli(['serve'], { DATA_DIR: dataDir, DATABASE_URL: url }),
      runCli(['tenant', 'list'], { DATA_DIR: dataDir, DATABASE_URL: url }),
    ]);
    for (const exit of [serve, list]) {
      const line = assertOneLineFailure(exit, /^tenantdesk: Cannot reach PostgreSQL at postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/x: /);
      assert.ok(!line.includes('s3cret-pw'), line);
    }
    assert.deepEqual(readdirSync(dataDir), [], 'the embedded database was not touched');
  });
});
