import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { adminCommands } from '../../src/cli/admin-commands.ts';
import type { Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/config/logger.ts';
import { AppError } from '../../src/errors.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { forEachDatabase } from '../support/databases.ts';

forEachDatabase('the knowledge-base commands of the CLI', (db) => {
  let rt: Runtime;
  const dir = mkdtempSync(join(tmpdir(), 'td-kb-cli-'));
  const run = (command: string, options: Record<string, string | boolean | string[]>) => adminCommands[command]!(rt, options);
  const lines = [
    { slug: 'reset-password', language: 'en', title: 'Reset your password', summary: 'From the sign-in page.', keywords: 'login', body: '<p>Choose <strong>Forgot password</strong>.</p><script>alert(1)</script>', visibility: 'public', status: 'published' },
    { slug: 'reset-password', language: 'fr', title: 'Réinitialiser le mot de passe', summary: '', keywords: '', body: '<p>Choisissez « Mot de passe oublié ».</p>', visibility: 'customers', status: 'published' },
    { slug: 'server-room', language: 'en', title: 'Server room', summary: '', keywords: '', body: '<p>Badge list.</p>', visibility: 'agents', status: 'draft' },
  ];

  before(async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    rt = { config, log: createLogger(config), database: db(), settings: DEFAULT_TENANCY, catalog: await Catalog.load(db(), 0), shards: new Shards(db()) };
    await run('demo', {});
    writeFileSync(join(dir, 'acme.jsonl'), `${lines.map((l) => JSON.stringify(l)).join('\n')}\n`);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('imports JSON lines into a tenant, lists, shows and exports them back, and leaves out a slug taken', async () => {
    assert.equal(await run('kb.import', { file: join(dir, 'acme.jsonl'), tenant: 'acme', author: 'agent@acme.test' }), '3 article(s) imported.');
    const listed = (await run('kb.list', { tenant: 'acme' })).split('\n');
    assert.equal(listed[0], 'id\tslug\tlanguage\tstatus\tvisibility\ttitle');
    assert.deepEqual(listed.slice(1).map((l) => l.split('\t').slice(1, 5).join(' ')).sort(), ['reset-password en published public', 'reset-password fr published customers', 'server-room en draft agents']);
    const shown = JSON.parse(await run('kb.show', { tenant: 'acme', article: 'server-room' })) as { title: string; body: string };
    assert.equal(shown.title, 'Server room');
    const exported = (await run('kb.export', { tenant: 'acme' })).split('\n').map((l) => JSON.parse(l) as { slug: string; language: string; body: string });
    assert.equal(exported.length, 3);
    const english = exported.find((a) => a.slug === 'reset-password' && a.language === 'en')!;
    assert.equal(english.body, '<p>Choose <strong>Forgot password</strong>.</p>', 'the body went through the thread entries’ allow-list');
    // Again: every slug is taken in its language, so nothing is written twice.
    assert.equal(await run('kb.import', { file: join(dir, 'acme.jsonl'), tenant: 'acme', author: 'agent@acme.test' }), '0 article(s) imported; 3 left out, their slug taken: reset-password, reset-password, server-room.');
  });

  it('keeps each tenant to its own articles, and the public ones apart', async () => {
    assert.deepEqual((await run('kb.list', { tenant: 'globex' })).split('\n').slice(1), []);
    await assert.rejects(run('kb.show', { tenant: 'globex', article: 'server-room' }), (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND');
    await assert.rejects(run('kb.show', { public: true, article: 'reset-password' }), (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND');
    await assert.rejects(run('kb.list', {}), (e: unknown) => e instanceof AppError && e.field === 'tenant');
    await assert.rejects(run('kb.import', { file: join(dir, 'acme.jsonl'), tenant: 'acme', author: 'nobody@example.test' }), (e: unknown) => e instanceof AppError && e.field === 'author');
    // An author from another tenant may not write acme's articles (the reference rules).
    await assert.rejects(run('kb.import', { file: join(dir, 'acme.jsonl'), tenant: 'globex', author: 'agent@acme.test' }), (e: unknown) => e instanceof AppError);
    assert.equal(await run('kb.import', { file: join(dir, 'acme.jsonl'), public: true, author: 'admin@northwind.test' }), '3 article(s) imported.');
    assert.equal((await run('kb.list', { public: true })).split('\n').length, 4);
  });
});
