import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { DB } from '../../src/db/schema.ts';
import { AppError } from '../../src/errors.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { failed, ok, runInProcess } from '../support/cli.ts';
import { forEachDatabase } from '../support/databases.ts';

/*
 * A new tenant created from a template tenant: the template's configuration is copied with new
 * ids into the new tenant's own database (the pool, or its silo), its references following the
 * copy; people, tickets and mailboxes never are.
 */

forEachDatabase('creating a tenant from a template tenant', (db) => {
  let shards: Shards;
  let template: { id: number };
  let publicPriority: string;

  before(async () => {
    shards = new Shards(db());
    const sys = db().system;
    const sp = await createTenant(db(), DEFAULT_TENANCY, { slug: 'sp', name: 'SP' });
    template = await createTenant(db(), DEFAULT_TENANCY, { slug: 'model', name: 'Model tenant' });
    publicPriority = (await sys.selectFrom('priorities').select('id').where('slug', '=', 'high').executeTakeFirstOrThrow()).id;
    const department = await sys.insertInto('departments').values({ tenant_id: template.id, name: 'Field service' }).returning('id').executeTakeFirstOrThrow();
    const plan = await sys.insertInto('sla_plans').values({ tenant_id: template.id, name: 'Gold', resolution_minutes: 240 }).returning('id').executeTakeFirstOrThrow();
    await sys.insertInto('help_topics').values({ tenant_id: template.id, name: 'Broken printer', department_id: department.id, sla_plan_id: plan.id, priority_id: publicPriority }).execute();
    const parent = await sys.insertInto('categories').values({ tenant_id: template.id, name: 'Hardware' }).returning('id').executeTakeFirstOrThrow();
    await sys.insertInto('categories').values({ tenant_id: template.id, name: 'Printers', parent_id: parent.id }).execute();
    await sys.insertInto('canned_responses').values({ tenant_id: template.id, title: 'Thanks', body_html: '<p>Thank you.</p>' }).execute();
    await sys.insertInto('roles').values({ tenant_id: template.id, slug: 'field-agent', name: 'Field agent', read_access: 'own', write_access: 'own', permissions: ['ticket.read'], data_partitions: JSON.stringify([]) }).execute();
    await sys.insertInto('roles').values({ tenant_id: template.id, slug: 'model-only', name: 'Model only', read_access: 'tenant', read_tenant_id: sp.id, write_access: 'own', permissions: [], data_partitions: JSON.stringify([]) }).execute();
    const customer = await sys.insertInto('contacts').values({ tenant_id: template.id, kind: 'customer', email: 'c@model.test', name: 'C' }).returning('id').executeTakeFirstOrThrow();
    const agent = await sys.insertInto('contacts').values({ tenant_id: template.id, kind: 'agent', email: 'a@model.test', name: 'A' }).returning('id').executeTakeFirstOrThrow();
    await sys.insertInto('macros').values({ tenant_id: template.id, name: 'Escalate', body_html: '<p>Escalated.</p>', set_status: 'pending', set_priority_id: publicPriority, set_assignee_id: agent.id }).execute();
    await sys.insertInto('tickets').values({ tenant_id: template.id, subject: 'Not configuration', requester_id: customer.id }).execute();
  });
  after(async () => shards?.close());

  async function configurationOf(database: Kysely<DB>, tenantId: number) {
    const departments = await database.selectFrom('departments').select(['id', 'name']).where('tenant_id', '=', tenantId).execute();
    const plans = await database.selectFrom('sla_plans').select(['id', 'name']).where('tenant_id', '=', tenantId).execute();
    const topics = await database.selectFrom('help_topics').select(['name', 'department_id', 'sla_plan_id', 'priority_id']).where('tenant_id', '=', tenantId).execute();
    const categories = await database.selectFrom('categories').select(['id', 'name', 'parent_id']).where('tenant_id', '=', tenantId).orderBy('name').execute();
    const roles = await database.selectFrom('roles').select('slug').where('tenant_id', '=', tenantId).execute();
    const canned = await database.selectFrom('canned_responses').select('title').where('tenant_id', '=', tenantId).execute();
    const macros = await database.selectFrom('macros').select(['name', 'set_status', 'set_priority_id', 'set_assignee_id']).where('tenant_id', '=', tenantId).execute();
    const contacts = await database.selectFrom('contacts').select('id').where('tenant_id', '=', tenantId).execute();
    const tickets = await database.selectFrom('tickets').select('id').where('tenant_id', '=', tenantId).execute();
    return { departments, plans, topics, categories, roles, canned, macros, contacts, tickets };
  }

  async function assertCopied(database: Kysely<DB>, tenantId: number) {
    const copy = await configurationOf(database, tenantId);
    const original = await configurationOf(db().system, template.id);
    assert.deepEqual(copy.departments.map((d) => d.name), ['Field service']);
    assert.notEqual(copy.departments[0]!.id, original.departments[0]!.id, 'new ids');
    assert.deepEqual(copy.topics, [{ name: 'Broken printer', department_id: copy.departments[0]!.id, sla_plan_id: copy.plans[0]!.id, priority_id: publicPriority }], 'references follow the copy; a public row stays');
    assert.deepEqual(copy.categories.map((c) => [c.name, c.parent_id]), [['Hardware', null], ['Printers', copy.categories[0]!.id]]);
    assert.deepEqual(copy.roles.map((r) => r.slug), ['field-agent'], 'a role naming another tenant stays the template’s');
    assert.deepEqual(copy.canned.map((c) => c.title), ['Thanks']);
    assert.deepEqual(copy.macros, [{ name: 'Escalate', set_status: 'pending', set_priority_id: publicPriority, set_assignee_id: null }], 'macros too; the template’s agent is not the new tenant’s');
    assert.deepEqual([copy.contacts.length, copy.tickets.length], [0, 0], 'no people, no tickets');
    assert.equal(original.departments.length, 1, 'the template is unchanged');
  }

  it('copies the configuration into a pool tenant, references following the copy', async () => {
    const tenant = await createTenant(db(), DEFAULT_TENANCY, { slug: 'copy-pool', name: 'Copy', template: 'model' }, shards);
    assert.equal(tenant.shard, 'pool');
    await assertCopied(db().system, tenant.id);
  });

  it("copies it into a silo tenant's own database, and nothing into the pool", async () => {
    const tenant = await createTenant(db(), DEFAULT_TENANCY, { slug: 'copy-silo', name: 'Copy silo', silo: true, template: 'model' }, shards);
    await assertCopied((await shards.get(tenant.shard)).system, tenant.id);
    assert.deepEqual((await configurationOf(db().system, tenant.id)).departments, []);
  });

  it('refuses an unknown template and creates nothing', async () => {
    await assert.rejects(
      createTenant(db(), DEFAULT_TENANCY, { slug: 'nothing', name: 'Nothing', template: 'nowhere' }, shards),
      (e: unknown) => e instanceof AppError && e.code === 'NOT_FOUND' && e.field === 'template',
    );
    assert.equal(await db().system.selectFrom('tenants').select('id').where('slug', '=', 'nothing').executeTakeFirst(), undefined);
  });
});

describe('tenant create --template (CLI)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-template-'));
  const cli = (...args: string[]) => runInProcess(args, { DATA_DIR: dataDir });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it("creates a tenant from another's configuration, and names an unknown template", async () => {
    ok(await cli('migrate'));
    ok(await cli('tenant', 'create', '--slug', 'northwind', '--name', 'Northwind'));
    ok(await cli('tenant', 'create', '--slug', 'model', '--name', 'Model'));
    assert.equal(ok(await cli('tenant', 'create', '--slug', 'copy', '--name', 'Copy', '--template', 'model')), 'Created tenant copy from the configuration of model.');
    failed(await cli('tenant', 'create', '--slug', 'other', '--name', 'Other', '--template', 'nowhere'), 'NOT_FOUND', /No tenant "nowhere" to copy/);
  });
});
