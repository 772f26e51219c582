import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { adminCommands } from '../../src/cli/admin-commands.ts';
import type { Runtime } from '../../src/cli/runtime.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/config/logger.ts';
import { AppError } from '../../src/errors.ts';
import { resolveApiKey } from '../../src/identity/api-keys.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';

forEachDatabase('identity commands of the CLI', (db) => {
  let rt: Runtime;
  const run = (command: string, options: Record<string, string | boolean | string[]>) => adminCommands[command]!(rt, options);

  before(async () => {
    const config = loadConfig({ LOG_LEVEL: 'silent' });
    rt = { config, log: createLogger(config), database: db(), settings: DEFAULT_TENANCY, catalog: await Catalog.load(db(), 0), shards: new Shards(db()) };
    await run('demo', {});
  });

  it('creates a contact with a role, and refuses a duplicate email in the same tenant', async () => {
    assert.match(await run('contact.create', { tenant: 'globex', email: 'Ops@Globex.test', name: 'Ops', role: ['agent'] }), /ops@globex\.test/);
    await assert.rejects(run('contact.create', { tenant: 'globex', email: 'ops@globex.test', name: 'Ops again' }), (e: unknown) => e instanceof AppError && e.code === 'CONFLICT');
    assert.match(await run('contact.create', { tenant: 'acme', email: 'ops@globex.test', name: 'Same email, other tenant' }), /Created/);
  });

  it('makes a customer of --role customer given no --kind, and refuses a kind that contradicts the role', async () => {
    await run('contact.create', { tenant: 'globex', email: 'buyer@globex.test', name: 'Buyer', role: ['customer'] });
    await run('contact.create', { tenant: 'globex', email: 'helper@globex.test', name: 'Helper', role: ['agent'] });
    const kinds = await db().owner.selectFrom('contacts').select(['email', 'kind']).where('email', 'in', ['buyer@globex.test', 'helper@globex.test']).orderBy('email').execute();
    assert.deepEqual(kinds, [{ email: 'buyer@globex.test', kind: 'customer' }, { email: 'helper@globex.test', kind: 'agent' }]);
    for (const [kind, role] of [['agent', 'customer'], ['customer', 'agent']] as const)
      await assert.rejects(
        run('contact.create', { tenant: 'globex', email: `${kind}-${role}@globex.test`, name: 'Mismatch', kind, role: [role] }),
        (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED' && e.field === 'kind' && e.message.includes(`"${kind}"`) && e.message.includes(`"${role}"`),
      );
    const none = await db().owner.selectFrom('contacts').select('id').where('email', 'like', '%-%@globex.test').execute();
    assert.deepEqual(none, []);
  });

  it('creates a role with group access and a partition, grants it, and lists it', async () => {
    await run('role.create', { slug: 'acme-watch', name: 'Acme watch', read: 'group:acme.subtenants', write: 'own', partition: ['{"type":"ticket","field":"status","op":"=","value":"open"}'] });
    await run('role.grant', { tenant: 'globex', contact: 'ops@globex.test', role: 'acme-watch' });
    const roles = await run('role.list', {});
    assert.match(roles, /^acme-watch\tpublic\tgroup\town/m);
    const audited = await db().owner.selectFrom('audit_events').select('action').where('action', 'in', ['role.created', 'role.granted']).orderBy('created_at').execute();
    assert.deepEqual(audited.map((a) => a.action), ['role.created', 'role.granted']);
  });

  it('refuses a role with a malformed access or a partition on an unknown field', async () => {
    await assert.rejects(run('role.create', { slug: 'bad1', name: 'Bad', read: 'everything', write: 'own' }), /tenant:<slug>/);
    await assert.rejects(run('role.create', { slug: 'bad2', name: 'Bad', read: 'own', write: 'own', partition: ['{"type":"ticket","field":"nope","op":"=","value":1}'] }), /no field "nope"/);
    await assert.rejects(run('role.create', { slug: 'bad3', name: 'Bad', read: 'tenant:nowhere', write: 'own' }), /No tenant "nowhere"/);
  });

  it('prints a new API key alone on the last line; it works until revoked', async () => {
    const output = await run('apikey.create', { tenant: 'acme', contact: 'agent@acme.test', name: 'integration' });
    const key = output.split('\n').at(-1)!;
    assert.match(key, /^td_[a-f0-9]{16}_[A-Za-z0-9_-]{43}$/);
    const acme = rt.catalog.snapshot().bySlug.get('acme')!.id;
    const actor = await resolveApiKey({ tenant: db(), pool: db() }, key, acme, '127.0.0.1');
    assert.equal(actor?.email, 'agent@acme.test');
    await run('apikey.revoke', { id: actor!.apiKeyId! });
    assert.equal(await resolveApiKey({ tenant: db(), pool: db() }, key, acme, '127.0.0.1'), undefined);
  });
});
