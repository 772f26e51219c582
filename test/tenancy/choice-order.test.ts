import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import { createObject, listChoices } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

forEachDatabase('choice order', (db) => {
  let ctx: TenancyContext;
  let acme: number;

  before(async () => {
    const t = await createTenants(db(), [
      { slug: 'sp', name: 'SP' },
      { slug: 'acme', name: 'Acme' },
    ]);
    acme = t.acme!;
    ctx = await contextFor(db(), { read: 'all', write: 'all', writePublic: true });
  });

  it('offers priorities and urgencies in their rank order, not by name', async () => {
    const labels = async (type: 'ticket', column: string) => (await listChoices(ctx, type, column, acme)).map((c) => c.label);
    assert.deepEqual(await labels('ticket', 'priority_id'), ['Low', 'Normal', 'High', 'Urgent']);
    assert.deepEqual(await labels('ticket', 'urgency_id'), ['Low', 'Medium', 'High']);
  });

  it('still offers other choices by name', async () => {
    await createObject(ctx, 'category', { tenant_id: acme, name: 'Zebra' });
    await createObject(ctx, 'category', { tenant_id: acme, name: 'Apple' });
    const choices = await listChoices(ctx, 'ticket', 'category_id', acme);
    assert.deepEqual(choices.map((c) => c.label), ['Apple', 'Zebra']);
    assert.deepEqual(Object.keys(choices[0]!).sort(), ['id', 'label', 'tenant_id']);
  });
});
