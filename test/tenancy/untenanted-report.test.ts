import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createLogger } from '../../src/config/logger.ts';
import { createObject } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { reportUntenantedRows } from '../../src/tenancy/untenanted-report.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

forEachDatabase('the start-up report of untenanted rows', (db) => {
  it('counts rows with no tenant in tenant-required tables, and nothing else', async () => {
    const log = createLogger({ logLevel: 'silent' });
    await createTenants(db(), [{ slug: 'sp', name: 'SP' }]);
    assert.deepEqual(await reportUntenantedRows(db(), log), {});
    const allow = await contextFor(db(), { read: 'all', write: 'all', writePublic: true }, { ...DEFAULT_TENANCY, untenanted: 'allow' });
    await createObject(allow, 'ticket', { subject: 'saved without a tenant' });
    await createObject(allow, 'category', { tenant_id: null, name: 'a public category is not untenanted' });
    assert.deepEqual(await reportUntenantedRows(db(), log), { tickets: 1 });
  });
});
