import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { before, it } from 'node:test';
import type { Database } from '../../src/db/database.ts';
import { AppError, type ErrorCode } from '../../src/errors.ts';
import type { Access } from '../../src/tenancy/access.ts';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import {
  countObjects,
  createObject,
  deleteObject,
  findObject,
  inTransaction,
  listChoices,
  listObjects,
  updateObject,
  type Row,
} from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY, type TenancySettings } from '../../src/tenancy/settings.ts';
import { parsePartitions, resolvePartitions } from '../../src/tenancy/data-partitions.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

const rejectsWith = (promise: Promise<unknown>, code: ErrorCode, field?: string) =>
  assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, `expected an AppError, got ${String(error)}`);
    assert.equal(error.code, code);
    if (field) assert.equal(error.field, field);
    return true;
  });

const ALL: Access = { read: 'all', write: 'all', writePublic: true };

forEachDatabase('the scoped data-access layer', (db) => {
  let t: Record<string, number>;
  let system: TenancyContext;
  const as = (access: Access, settings?: TenancySettings) => contextFor(db(), access, settings);
  const own = (slug: string): Access => ({ read: [t[slug]!], write: [t[slug]!], writePublic: false });
  const objects: Record<string, Row> = {};

  before(async () => {
    const database: Database = db();
    // northwind (SP) ; acme > acme-eu > acme-eu-fr ; globex
    t = await createTenants(database, [
      { slug: 'northwind', name: 'Northwind', subtenantsAllowed: true },
      { slug: 'acme', name: 'Acme', subtenantsAllowed: true },
      { slug: 'acme-eu', name: 'Acme EU', parentSlug: 'acme', subtenantsAllowed: true },
      { slug: 'acme-eu-fr', name: 'Acme FR', parentSlug: 'acme-eu' },
      { slug: 'globex', name: 'Globex' },
    ]);
    system = await as(ALL);
    const contact = (tenant: string, kind: string) =>
      createObject(system, 'contact', { tenant_id: t[tenant], kind, email: `${kind}@${tenant}.test`, name: `${kind} ${tenant}` });
    objects.spAgent = await contact('northwind', 'staff');
    objects.acmeAgent = await contact('acme', 'agent');
    objects.acmeCustomer = await contact('acme', 'customer');
    objects.euCustomer = await contact('acme-eu', 'customer');
    objects.globexCustomer = await contact('globex', 'customer');
    objects.publicCategory = await createObject(system, 'category', { tenant_id: null, name: 'Hardware' });
    objects.acmeCategory = await createObject(system, 'category', { tenant_id: t.acme, name: 'Acme printers' });
    objects.euCategory = await createObject(system, 'category', { tenant_id: t['acme-eu'], name: 'EU printers' });
    objects.globexCategory = await createObject(system, 'category', { tenant_id: t.globex, name: 'Globex lab' });
    objects.acmeTicket = await createObject(system, 'ticket', { subject: 'Printer jam', requester_id: objects.acmeCustomer!.id });
    objects.euTicket = await createObject(system, 'ticket', { subject: 'VPN down', requester_id: objects.euCustomer!.id });
    objects.globexTicket = await createObject(system, 'ticket', { subject: 'Lab access', requester_id: objects.globexCustomer!.id });
  });

  it('limits reads of tenant-required objects to the readable tenants', async () => {
    const rows = await listObjects(await as(own('acme')), 'ticket');
    assert.deepEqual(rows.map((r) => r.subject), ['Printer jam']);
    assert.equal(await countObjects(await as(own('acme')), 'ticket'), 1);
    assert.equal(await countObjects(await as(ALL), 'ticket'), 3);
  });

  it("merges public rows with the tenant's own for tenant-optional objects", async () => {
    const names = (await listObjects(await as(own('acme-eu')), 'category', { orderBy: 'name' })).map((r) => r.name);
    assert.deepEqual(names, ['EU printers', 'Hardware']);
  });

  it('reads a tenant group: a role reading acme.subtenants sees acme and its descendants', async () => {
    const access: Access = { read: [t.acme!, t['acme-eu']!, t['acme-eu-fr']!], write: [], writePublic: false };
    const subjects = (await listObjects(await as(access), 'ticket', { orderBy: 'subject' })).map((r) => r.subject);
    assert.deepEqual(subjects, ['Printer jam', 'VPN down']);
  });

  it("answers NOT_FOUND for another tenant's object, as for one that does not exist", async () => {
    const acme = await as(own('acme'));
    await rejectsWith(findObject(acme, 'ticket', String(objects.globexTicket!.id)), 'NOT_FOUND');
    await rejectsWith(findObject(acme, 'ticket', '00000000-0000-4000-8000-000000000000'), 'NOT_FOUND');
    await rejectsWith(findObject(acme, 'ticket', 'not-a-uuid'), 'NOT_FOUND');
    await rejectsWith(updateObject(acme, 'ticket', String(objects.globexTicket!.id), { subject: 'x' }), 'NOT_FOUND');
    await rejectsWith(deleteObject(acme, 'ticket', String(objects.globexTicket!.id)), 'NOT_FOUND');
  });

  it('write rule 1: refuses an object of a tenant the active role cannot write', async () => {
    const readAllWriteAcme: Access = { read: 'all', write: [t.acme!], writePublic: false };
    await rejectsWith(createObject(await as(readAllWriteAcme), 'ticket', { tenant_id: t.globex, subject: 'x' }), 'TENANT_ACCESS_DENIED');
    await rejectsWith(updateObject(await as(readAllWriteAcme), 'ticket', String(objects.globexTicket!.id), { subject: 'x' }), 'TENANT_ACCESS_DENIED');
  });

  it('write rule 1: only a role allowed to write public objects creates public rows', async () => {
    await rejectsWith(createObject(await as(own('acme')), 'category', { tenant_id: null, name: 'Public?' }), 'PUBLIC_WRITE_DENIED');
    await rejectsWith(createObject(await as({ read: 'all', write: 'all', writePublic: false }), 'priority', { slug: 'p9', name: 'P9', rank: 9 }), 'PUBLIC_WRITE_DENIED');
    const created = await createObject(await as(ALL), 'category', { tenant_id: null, name: 'Software' });
    assert.equal(created.tenant_id, null);
  });

  it('write rule 2: a role writing one tenant gets that tenant without naming it', async () => {
    const ticket = await createObject(await as(own('globex')), 'ticket', { subject: 'Implicit tenant' });
    assert.equal(ticket.tenant_id, t.globex);
  });

  it('write rule 2: a role writing several tenants must name the tenant or imply it', async () => {
    await rejectsWith(createObject(await as(ALL), 'ticket', { subject: 'Whose?' }), 'TENANT_REQUIRED', 'tenant_id');
    const implied = await createObject(await as(ALL), 'ticket', { subject: 'Implied', requester_id: objects.euCustomer!.id });
    assert.equal(implied.tenant_id, t['acme-eu']);
  });

  it('write rule 2: a service-provider-eligible reference never implies the tenant', async () => {
    await rejectsWith(createObject(await as(ALL), 'ticket', { subject: 'Assigned only', assignee_id: objects.spAgent!.id }), 'TENANT_REQUIRED');
  });

  it("write rule 2: an object's tenant never changes after creation", async () => {
    await rejectsWith(updateObject(await as(ALL), 'ticket', String(objects.acmeTicket!.id), { tenant_id: t.globex }), 'TENANT_IMMUTABLE');
    assert.equal((await findObject(await as(ALL), 'ticket', String(objects.acmeTicket!.id))).tenant_id, t.acme);
  });

  it('write rule 3: references may point to public objects, the same tenant and tenants above', async () => {
    const ctx = await as(ALL);
    for (const category of [objects.publicCategory, objects.acmeCategory, objects.euCategory]) {
      const ticket = await createObject(ctx, 'ticket', { tenant_id: t['acme-eu'], subject: 'ok', category_id: category!.id });
      assert.equal(ticket.category_id, category!.id);
    }
  });

  it("write rule 3: refuses a reference to a child tenant's or an unrelated tenant's object", async () => {
    const ctx = await as(ALL);
    await rejectsWith(createObject(ctx, 'ticket', { tenant_id: t.acme, subject: 'x', category_id: objects.euCategory!.id }), 'TENANT_REFERENCE_INVALID', 'category_id');
    await rejectsWith(createObject(ctx, 'ticket', { tenant_id: t.acme, subject: 'x', category_id: objects.globexCategory!.id }), 'TENANT_REFERENCE_INVALID', 'category_id');
    await rejectsWith(updateObject(ctx, 'ticket', String(objects.acmeTicket!.id), { category_id: objects.globexCategory!.id }), 'TENANT_REFERENCE_INVALID', 'category_id');
  });

  it('write rule 3: a reference to a missing object gives the same answer as one to a foreign object', async () => {
    const ctx = await as(ALL);
    await rejectsWith(createObject(ctx, 'ticket', { tenant_id: t.acme, subject: 'x', category_id: '00000000-0000-4000-8000-000000000000' }), 'TENANT_REFERENCE_INVALID', 'category_id');
  });

  it("write rule 4: a service-provider-eligible reference may point to the SP tenant's objects", async () => {
    const ctx = await as(ALL);
    const ticket = await createObject(ctx, 'ticket', { tenant_id: t.globex, subject: 'Escalated', assignee_id: objects.spAgent!.id });
    assert.equal(ticket.assignee_id, objects.spAgent!.id);
    await rejectsWith(createObject(ctx, 'ticket', { tenant_id: t.globex, subject: 'x', requester_id: objects.spAgent!.id }), 'TENANT_REFERENCE_INVALID', 'requester_id');
  });

  it('a tenant user cannot imply a tenant through a contact it cannot read', async () => {
    await rejectsWith(createObject(await as(own('acme')), 'ticket', { subject: 'x', requester_id: objects.globexCustomer!.id }), 'TENANT_REFERENCE_INVALID', 'requester_id');
  });

  it('offers as choices exactly the targets the reference rules allow', async () => {
    const ctx = await as(ALL);
    const labels = async (tenant: string, field: string) => (await listChoices(ctx, 'ticket', field, t[tenant]!)).map((c) => c.label).sort();
    assert.deepEqual(await labels('acme-eu', 'category_id'), ['Acme printers', 'EU printers', 'Hardware', 'Software']);
    assert.deepEqual(await labels('acme', 'category_id'), ['Acme printers', 'Hardware', 'Software']);
    assert.ok((await labels('globex', 'assignee_id')).includes('staff northwind'));
    assert.ok(!(await labels('globex', 'requester_id')).includes('staff northwind'));
    await rejectsWith(listChoices(await as(own('acme')), 'ticket', 'category_id', t.globex!), 'TENANT_ACCESS_DENIED');
  });

  it("offers only the allowed targets the role also reads, and the SP's rows for an SP-eligible reference", async () => {
    const labels = async (tenant: string, field: string) => (await listChoices(await as(ALL), 'ticket', field, t[tenant]!)).map((c) => c.label).sort();
    const ownLabels = async (tenant: string, field: string) => (await listChoices(await as(own(tenant)), 'ticket', field, t[tenant]!)).map((c) => c.label).sort();
    // acme's categories are allowed targets of an acme-eu ticket, but this role reads acme-eu alone.
    assert.deepEqual(await ownLabels('acme-eu', 'category_id'), ['EU printers', 'Hardware', 'Software']);
    assert.ok((await labels('acme-eu', 'requester_id')).includes('customer acme'), 'the rules allow the parent’s contacts');
    assert.ok(!(await ownLabels('acme-eu', 'requester_id')).includes('customer acme'), 'a role reading acme-eu alone is not offered them');
    // Write rule 4 names the service provider's rows on purpose: its staff stay assignable.
    assert.ok((await ownLabels('globex', 'assignee_id')).includes('staff northwind'));
    assert.ok(!(await ownLabels('globex', 'requester_id')).includes('staff northwind'));
    // The role's data partitions apply to the choices as to any read.
    const partitioned: Access = { ...own('acme-eu'), partitions: [{ type: 'category', any: [{ field: 'name', op: '=', value: 'Hardware' }] }] };
    assert.deepEqual((await listChoices(await as(partitioned), 'ticket', 'category_id', t['acme-eu']!)).map((c) => c.label), ['Hardware']);
  });

  it('strict mode refuses a tenant-required object with no tenant; warn and allow save it', async () => {
    const noTenant: Access = { read: 'all', write: 'all', writePublic: true };
    await rejectsWith(createObject(await as(noTenant), 'ticket', { subject: 'strict' }), 'TENANT_REQUIRED');
    for (const untenanted of ['warn', 'allow'] as const) {
      const row = await createObject(await as(noTenant, { ...DEFAULT_TENANCY, untenanted }), 'ticket', { subject: untenanted });
      assert.equal(row.tenant_id, null);
    }
    const rows = await listObjects(await as(own('acme')), 'ticket');
    assert.ok(rows.every((r) => r.tenant_id === t.acme), 'untenanted rows are invisible to tenant roles');
  });

  it('data partitions narrow reads: a customer sees only the tickets it requested', async () => {
    const me = String(objects.acmeCustomer!.id);
    const partitions = resolvePartitions(parsePartitions([{ type: 'ticket', field: 'requester_id', op: '=', value: '@me' }]), { contactId: me, tenantId: t.acme!, departmentIds: [] });
    const ctx = await as({ ...own('acme'), partitions });
    const other = await createObject(system, 'ticket', { subject: 'Agent ticket', requester_id: objects.acmeAgent!.id });
    const subjects = (await listObjects(ctx, 'ticket')).map((r) => r.subject);
    assert.ok(subjects.includes('Printer jam') && !subjects.includes('Agent ticket'));
    assert.equal(await countObjects(ctx, 'ticket'), subjects.length);
    await rejectsWith(findObject(ctx, 'ticket', String(other.id)), 'NOT_FOUND');
    await rejectsWith(updateObject(ctx, 'ticket', String(other.id), { subject: 'mine now' }), 'NOT_FOUND');
  });

  it('data partitions refuse a write that would move a row out of the partition, and change nothing', async () => {
    const me = String(objects.acmeCustomer!.id);
    const partitions = resolvePartitions(parsePartitions([{ type: 'ticket', field: 'requester_id', op: '=', value: '@me' }]), { contactId: me, tenantId: t.acme!, departmentIds: [] });
    const ctx = await as({ ...own('acme'), partitions });
    const before = await countObjects(await as(ALL), 'ticket');
    await rejectsWith(createObject(ctx, 'ticket', { subject: 'For someone else', requester_id: objects.acmeAgent!.id }), 'DATA_PARTITION_DENIED');
    assert.equal(await countObjects(await as(ALL), 'ticket'), before);
    const mine = await createObject(ctx, 'ticket', { subject: 'Mine', requester_id: me });
    await rejectsWith(updateObject(ctx, 'ticket', String(mine.id), { requester_id: objects.acmeAgent!.id }), 'DATA_PARTITION_DENIED');
    assert.equal((await findObject(ctx, 'ticket', String(mine.id))).requester_id, me);
  });

  it('writes companion rows in the statement of their object, each checked by the write rules, all or none', async () => {
    const acme = await as(own('acme'));
    const id = randomUUID();
    const ticket = await createObject(acme, 'ticket', { id, subject: 'With companions', requester_id: objects.acmeCustomer!.id }, {
      with: [
        { name: 'ticketCollaborator', values: { ticket_id: id, contact_id: objects.acmeAgent!.id } },
        { name: 'auditEvent', values: { tenant_id: t.acme, action: 'ticket.created', object_type: 'ticket', object_id: id, data: '{}' } },
      ],
    });
    assert.equal(ticket.id, id);
    assert.equal((await listObjects(acme, 'ticketCollaborator', { where: { ticket_id: id } })).length, 1);
    assert.equal((await listObjects(acme, 'auditEvent', { where: { object_id: id } })).length, 1);
    // A companion naming another tenant's contact is refused like a row of its own, and the object with it.
    const refused = randomUUID();
    await rejectsWith(
      createObject(acme, 'ticket', { id: refused, subject: 'Refused companion', requester_id: objects.acmeCustomer!.id }, {
        with: [{ name: 'ticketCollaborator', values: { ticket_id: refused, contact_id: objects.globexCustomer!.id } }],
      }),
      'TENANT_REFERENCE_INVALID',
      'contact_id',
    );
    await rejectsWith(findObject(await as(ALL), 'ticket', refused), 'NOT_FOUND');
    // One the database refuses (a second collaborator row of the same contact) undoes the object too.
    const twice = randomUUID();
    const collaborator = { name: 'ticketCollaborator' as const, values: { ticket_id: twice, contact_id: objects.acmeAgent!.id } };
    await assert.rejects(createObject(acme, 'ticket', { id: twice, subject: 'Twice', requester_id: objects.acmeCustomer!.id }, { with: [collaborator, collaborator] }));
    await rejectsWith(findObject(await as(ALL), 'ticket', twice), 'NOT_FOUND');
  });

  it('writes companions one by one, each checked against the partitions, when a data partition applies', async () => {
    const me = String(objects.acmeCustomer!.id);
    const partitions = resolvePartitions(parsePartitions([{ type: 'ticket', field: 'requester_id', op: '=', value: '@me' }]), { contactId: me, tenantId: t.acme!, departmentIds: [] });
    const ctx = await as({ ...own('acme'), partitions });
    const id = randomUUID();
    await createObject(ctx, 'ticket', { id, subject: 'Mine, with a note', requester_id: me }, {
      with: [{ name: 'auditEvent', values: { tenant_id: t.acme, action: 'ticket.created', object_type: 'ticket', object_id: id, data: '{}' } }],
    });
    assert.equal((await listObjects(await as(ALL), 'auditEvent', { where: { object_id: id } })).length, 1);
    // Still all or none: a refused companion undoes the object written before it.
    const undone = randomUUID();
    await rejectsWith(createObject(ctx, 'ticket', { id: undone, subject: 'Mine, refused note', requester_id: me }, {
      with: [{ name: 'auditEvent', values: { tenant_id: t.acme, actor_contact_id: objects.globexCustomer!.id, action: 'ticket.created', data: '{}' } }],
    }), 'TENANT_REFERENCE_INVALID');
    await rejectsWith(findObject(await as(ALL), 'ticket', undone), 'NOT_FOUND');
    await rejectsWith(createObject(ctx, 'ticket', { subject: 'Not mine', requester_id: objects.acmeAgent!.id }, {
      with: [{ name: 'auditEvent', values: { tenant_id: t.acme, action: 'ticket.created', data: '{}' } }],
    }), 'DATA_PARTITION_DENIED');
  });

  it('lists thread entries written in one millisecond in the order they were written', async () => {
    const acme = await as(own('acme'));
    const ticket = objects.acmeTicket!;
    // PGlite's clock has millisecond resolution: entries written together share their created_at there, as these do.
    const at = new Date();
    await inTransaction(acme, async (tx) => {
      for (let i = 0; i < 30; i++) await createObject(tx, 'threadEntry', { ticket_id: ticket.id, kind: 'event', body_html: '', data: JSON.stringify({ event: 'step', n: i }), created_at: at });
    }, t.acme);
    const steps = (await listObjects(acme, 'threadEntry', { where: { ticket_id: ticket.id, kind: 'event' }, orderBy: 'created_at', limit: 100 }))
      .map((e) => (e.data as { n?: number }).n);
    assert.deepEqual(steps, Array.from({ length: 30 }, (_, i) => i));
  });

  it('refuses a data partition that is not in the safe form', () => {
    for (const bad of [
      [{ type: 'ticket', field: 'requester_id; drop table tickets', op: '=', value: 1 }],
      [{ type: 'nope', field: 'id', op: '=', value: 1 }],
      [{ type: 'ticket', field: 'subject', op: 'contains', value: '@me' }],
      [{ type: 'ticket', any: [] }],
      'not a list',
    ]) {
      assert.throws(() => parsePartitions(bad), (e: unknown) => e instanceof AppError && e.code === 'VALIDATION_FAILED');
    }
    // An unknown operator is named by its row, so the editor can show the error beside it.
    for (const [bad, field] of [
      [[{ type: 'ticket', field: 'subject', op: 'like', value: '%' }], 'partitions.0'],
      [[{ type: 'ticket', field: 'status', op: '=', value: 'open' }, { type: 'ticket', any: [{ field: 'status', op: '=' }, { field: 'subject', op: '~' }] }], 'partitions.1.any.1'],
    ] as const) {
      assert.throws(() => parsePartitions(bad), (e: unknown) => e instanceof AppError && e.code === 'PARTITION_OPERATOR_UNKNOWN' && e.field === field);
    }
  });

  it("the customer role's partition: tickets it requested or is CC on", async () => {
    const [customerRole] = await listObjects(system, 'role', { where: { slug: 'customer', tenant_id: null } });
    const me = String(objects.euCustomer!.id);
    const partitions = resolvePartitions(parsePartitions(customerRole!.data_partitions), { contactId: me, tenantId: t['acme-eu']!, departmentIds: [] });
    const ctx = await as({ ...own('acme-eu'), partitions });
    const colleague = await createObject(system, 'contact', { tenant_id: t['acme-eu'], kind: 'customer', email: 'colleague@acme-eu.test', name: 'Colleague' });
    const ccd = await createObject(system, 'ticket', { subject: 'CC me', requester_id: colleague.id });
    await createObject(system, 'ticket', { subject: 'Not mine', requester_id: colleague.id });
    await createObject(system, 'ticketCollaborator', { ticket_id: ccd.id, contact_id: me });
    const subjects = (await listObjects(ctx, 'ticket', { orderBy: 'subject' })).map((r) => r.subject);
    assert.deepEqual(subjects, ['CC me', 'Implied', 'VPN down']);
  });

  it('@my_departments limits agents to the tickets of their departments', async () => {
    const support = await createObject(system, 'department', { tenant_id: t.globex, name: 'Support' });
    const lab = await createObject(system, 'department', { tenant_id: t.globex, name: 'Lab' });
    await createObject(system, 'ticket', { subject: 'Support ticket', requester_id: objects.globexCustomer!.id, department_id: support.id });
    await createObject(system, 'ticket', { subject: 'Lab ticket', requester_id: objects.globexCustomer!.id, department_id: lab.id });
    const stored = parsePartitions([{ type: 'ticket', field: 'department_id', op: 'in', value: '@my_departments' }]);
    const partitions = resolvePartitions(stored, { contactId: 'x', tenantId: t.globex!, departmentIds: [String(support.id)] });
    const subjects = (await listObjects(await as({ ...own('globex'), partitions }), 'ticket')).map((r) => r.subject);
    assert.deepEqual(subjects, ['Support ticket']);
  });
});

