import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import { resolveAccess, type RoleAccessSpec } from '../../src/tenancy/access.ts';
import { changeTenantGroupMembers, createTenantGroup } from '../../src/tenancy/catalog/tenant-groups.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { createTenants } from '../support/tenants.ts';

forEachDatabase('tenant access from a role', (db) => {
  let t: Record<string, number>;
  let groupId: number;
  let subtenantsOfAcme: number;
  const spec = (read: RoleAccessSpec['read'], write: RoleAccessSpec['write'] = { kind: 'own' }, writePublic = false): RoleAccessSpec => ({ read, write, writePublic });

  before(async () => {
    t = await createTenants(db(), [
      { slug: 'sp', name: 'SP' },
      { slug: 'acme', name: 'Acme', subtenantsAllowed: true },
      { slug: 'acme-eu', name: 'Acme EU', parentSlug: 'acme' },
      { slug: 'globex', name: 'Globex' },
    ]);
    groupId = (await createTenantGroup(db(), { slug: 'key-accounts', name: 'Key accounts' })).id;
    await changeTenantGroupMembers(db(), 'key-accounts', 'add', ['acme', 'globex']);
    subtenantsOfAcme = (await db().owner.selectFrom('tenant_groups').select('id').where('slug', '=', 'acme.subtenants').executeTakeFirstOrThrow()).id;
  });

  it('all tenants (public access)', async () => {
    assert.deepEqual(await resolveAccess(db(), DEFAULT_TENANCY, spec({ kind: 'all' }, { kind: 'all' }, true), t.sp!), { read: 'all', write: 'all', writePublic: true });
  });

  it("the contact's own tenant", async () => {
    const access = await resolveAccess(db(), DEFAULT_TENANCY, spec({ kind: 'own' }), t.globex!);
    assert.deepEqual([access.read, access.write], [[t.globex], [t.globex]]);
  });

  it('a single named tenant, read and write set independently', async () => {
    const access = await resolveAccess(db(), DEFAULT_TENANCY, spec({ kind: 'tenant', tenantId: t['acme-eu']! }, { kind: 'own' }), t.acme!);
    assert.deepEqual([access.read, access.write], [[t['acme-eu']], [t.acme]]);
  });

  it('a user-defined tenant group', async () => {
    const access = await resolveAccess(db(), DEFAULT_TENANCY, spec({ kind: 'group', groupId }), t.sp!);
    assert.deepEqual(access.read, [t.acme, t.globex].sort((a, b) => a! - b!));
  });

  it('a product-maintained group (acme.subtenants)', async () => {
    const access = await resolveAccess(db(), DEFAULT_TENANCY, spec({ kind: 'group', groupId: subtenantsOfAcme }), t.sp!);
    assert.deepEqual(access.read, [t.acme, t['acme-eu']].sort((a, b) => a! - b!));
  });

  it('enforces nothing in the setup and off states', async () => {
    for (const state of ['setup', 'off'] as const) {
      const access = await resolveAccess(db(), { ...DEFAULT_TENANCY, state }, spec({ kind: 'own' }), t.globex!);
      assert.deepEqual([access.read, access.write], ['all', 'all']);
    }
  });
});
