import assert from 'node:assert/strict';
import { it } from 'node:test';
import { tenantId } from '../../src/cli/admin-context.ts';
import type { Runtime } from '../../src/cli/runtime.ts';
import { openDatabase } from '../../src/db/database.ts';
import { AppError } from '../../src/errors.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';

/**
 * A CLI command names tenants by slug; it resolves them from a catalog snapshot confirmed within
 * the staleness bound (HOST_CACHE_TTL_MS, decision 0050), as a request does, or refuses.
 */
forEachDatabase('a command resolves a tenant within the staleness bound', (db, kind) => {
  it('reads the catalog again past the bound, and refuses with CATALOG_STALE when it cannot', async () => {
    await createTenant(db(), DEFAULT_TENANCY, { slug: 'sp', name: 'SP' });
    const own = kind === 'postgres' ? await openDatabase({ kind: 'postgres', url: db().url!, poolMax: 1 }) : db();
    let now = Date.now();
    const catalog = await Catalog.load(own, { maxStalenessMs: 1000, now: () => now });
    const rt = { catalog } as unknown as Runtime;
    // Made by another process after this command loaded its catalog.
    const acme = (await createTenant(db(), DEFAULT_TENANCY, { slug: 'acme', name: 'Acme' })).id;
    if (kind === 'pglite') {
      // Embedded, the database belongs to one process, which reloads its catalog after each change
      // it makes: the snapshot is current however old, and no check is made (nor can fail).
      await catalog.refresh();
      now += 60_000;
      assert.equal(await tenantId(rt, 'acme'), acme);
      return;
    }
    await assert.rejects(tenantId(rt, 'acme'), (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND', 'within the bound: the snapshot as loaded');
    now += 1001;
    assert.equal(await tenantId(rt, 'acme'), acme, 'past the bound: the catalog is read again first');
    await own.close();
    now += 1001;
    await assert.rejects(tenantId(rt, 'acme'), (e: unknown) => e instanceof AppError && e.code === 'CATALOG_STALE', 'cannot be confirmed: refused');
  });
});
