import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { adminCommands } from '../../src/cli/admin-commands.ts';
import type { Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/config/logger.ts';
import { AppError } from '../../src/errors.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { forEachDatabase } from '../support/databases.ts';

forEachDatabase('sso and webhook commands of the CLI', (db) => {
  let rt: Runtime;
  const run = (command: string, options: Record<string, string | boolean | string[]>) => adminCommands[command]!(rt, options);

  before(async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent', MAIL_SECRET: 'cli-test-mail-secret-0123456789abcdef', OUTBOUND_ALLOW: '127.0.0.1/32' });
    rt = { config, log: createLogger(config), database: db(), settings: DEFAULT_TENANCY, catalog: await Catalog.load(db(), 0), shards: new Shards(db()) };
    await run('demo', {});
  });

  it('adds, updates, lists and removes a connection, never printing its secret', async () => {
    const added = await run('sso.add', { tenant: 'acme', name: 'Acme Login', issuer: 'https://login.acme.example', clientId: 'desk', clientSecret: 'very-secret-value', domain: ['acme.test'], jit: 'customers', jitRole: 'customer', map: ['staff=agent'] });
    const id = /Connection (\S+)/.exec(added)![1]!;
    assert.match(added, /Sign in with Acme Login/);
    assert.match(await run('sso.update', { id, localPasswords: false, disable: true, active: false }), /updated/);
    const listed = await run('sso.list', { tenant: 'acme' });
    assert.match(listed, new RegExp(`^${id}\\tacme\\tAcme Login\\thttps://login\\.acme\\.example\\tdesk\\tcustomers\\tno\\tno$`, 'm'));
    assert.doesNotMatch(listed, /very-secret-value/);
    await assert.rejects(run('sso.add', { tenant: 'acme', name: 'Bad', issuer: 'ftp://x', clientId: 'x' }), (e: unknown) => e instanceof AppError && e.field === 'issuer');
    await assert.rejects(run('sso.add', { tenant: 'acme', name: 'Bad', issuer: 'https://x.example', clientId: 'x', map: ['no-equals'] }), (e: unknown) => e instanceof AppError && e.field === 'map');
    assert.match(await run('sso.remove', { id }), /removed/);
    assert.doesNotMatch(await run('sso.list', {}), new RegExp(id));
  });

  it('subscribes a webhook with its secret printed once on the last line, and refuses a private target', async () => {
    const added = await run('webhook.add', { tenant: 'globex', url: 'http://127.0.0.1:9/hook', event: ['ticket.created'], description: 'ops' });
    assert.match(added.split('\n').at(-1)!, /^whsec_/);
    const id = /Webhook (\S+)/.exec(added)![1]!;
    const listed = await run('webhook.list', { tenant: 'globex' });
    assert.match(listed, new RegExp(`^${id}\\tglobex\\thttp://127\\.0\\.0\\.1:9/hook\\tticket\\.created\\tyes$`, 'm'));
    assert.doesNotMatch(listed, /whsec_/);
    assert.match(await run('webhook.deliveries', { id }), /^id\tevent/);
    await assert.rejects(run('webhook.add', { tenant: 'globex', url: 'http://10.1.2.3/hook', event: ['ticket.created'] }), (e: unknown) => e instanceof AppError && e.field === 'url');
    assert.match(await run('webhook.remove', { id }), /removed/);
  });
});
