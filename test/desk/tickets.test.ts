import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Role } from '../../src/db/schema.ts';
import { createConfigObject } from '../../src/desk/config/config-objects.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { AppError } from '../../src/errors.ts';
import { createObject, deleteObject, listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

/** An actor whose role grants every desk permission; tenant access comes from the context. */
const ADMIN_ROLE = { slug: 'test-admin', permissions: ['admin.*', 'ticket.*'] } as unknown as Role;

async function codeOf(promise: Promise<unknown>): Promise<[string, string | undefined]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return [error.code, error.field];
  }
  assert.fail('expected the use case to refuse');
}

forEachDatabase('desk tickets', (db) => {
  let t: Record<string, number>;
  let desk: DeskContext;
  let agent: Row;

  before(async () => {
    t = await createTenants(db(), [
      { slug: 'sp', name: 'SP' },
      { slug: 'acme', name: 'Acme' },
      { slug: 'globex', name: 'Globex' },
    ]);
    const ctx = await contextFor(db(), { read: 'all', write: 'all', writePublic: true });
    agent = await createObject(ctx, 'contact', { tenant_id: t.sp, kind: 'staff', email: 'agent@sp.test', name: 'SP agent' });
    desk = { ...ctx, actor: { contactId: agent.id as string, kind: 'staff', activeRole: ADMIN_ROLE } };
  });

  it('numbers tickets per tenant in sequence, under concurrency, and never reuses a number', async () => {
    const created = await Promise.all(Array.from({ length: 20 }, (_, i) => createTicket(desk, { tenantId: t.acme!, subject: `Load ${i}`, body: 'x' })));
    const numbers = created.map((c) => c.number as string).sort();
    assert.deepEqual(numbers, Array.from({ length: 20 }, (_, i) => `ACME-${String(i + 1).padStart(6, '0')}`));
    const globex = await createTicket(desk, { tenantId: t.globex!, subject: 'Own counter', body: 'x' });
    assert.equal(globex.number, 'GLOBEX-000001');
    // A ticket that fails after its number was drawn rolls the counter back with it.
    const foreignCategory = await createObject(desk, 'category', { tenant_id: t.globex, name: 'Globex only' });
    assert.deepEqual(await codeOf(createTicket(desk, { tenantId: t.acme!, subject: 'Bad', body: 'x', categoryId: foreignCategory.id as string })), ['TENANT_REFERENCE_INVALID', 'categoryId']);
    await deleteObject(desk, 'ticket', created.find((c) => c.number === 'ACME-000020')!.id as string);
    const next = await createTicket(desk, { tenantId: t.acme!, subject: 'After a deletion', body: 'x' });
    assert.equal(next.number, 'ACME-000021', 'the deleted ticket’s number is not handed out again');
  });

  it("commits a guard's writes with the ticket, or neither", async () => {
    const recorded: string[] = [];
    const guard = (failAt?: 'leave') => ({
      enter: async () => void recorded.push('enter'),
      leave: async (tx: { tx?: unknown }) => {
        assert.ok(tx.tx, 'the guard runs inside the unit of work');
        if (failAt === 'leave') throw new Error('storing the answer failed');
      },
    });
    const before = (await listObjects(desk, 'ticket', { where: { tenant_id: t.globex, subject: 'Guarded' }, limit: 10 })).length;
    await assert.rejects(createTicket({ ...desk, guard: guard('leave') }, { tenantId: t.globex!, subject: 'Guarded', body: 'x' }), /storing the answer failed/);
    assert.equal((await listObjects(desk, 'ticket', { where: { tenant_id: t.globex, subject: 'Guarded' }, limit: 10 })).length, before, 'no ticket without its answer');
    await createTicket({ ...desk, guard: guard() }, { tenantId: t.globex!, subject: 'Guarded', body: 'x' });
    assert.equal((await listObjects(desk, 'ticket', { where: { tenant_id: t.globex, subject: 'Guarded' }, limit: 10 })).length, before + 1);
    assert.deepEqual(recorded, ['enter', 'enter']);
  });

  it('applies help-topic defaults and checks custom fields against the topic', async () => {
    const department = await createConfigObject(desk, 'department', { tenant_id: t.acme, name: 'Hardware' });
    const [high] = await listObjects(desk, 'priority', { where: { slug: 'high' } });
    const plan = await createConfigObject(desk, 'slaPlan', { tenant_id: null, name: 'Standard', resolution_minutes: 480, business_hours: { mon: [['09:00', '17:00']] } });
    const topic = await createConfigObject(desk, 'helpTopic', {
      tenant_id: t.acme,
      name: 'Broken device',
      department_id: department.id,
      priority_id: high!.id,
      sla_plan_id: plan.id,
      custom_fields: [{ name: 'asset_tag', label: 'Asset tag', type: 'text', required: true }],
    });
    const base = { tenantId: t.acme!, subject: 'Screen flickers', body: 'x', helpTopicId: topic.id as string };
    assert.deepEqual(await codeOf(createTicket(desk, base)), ['VALIDATION_FAILED', 'customFields.asset_tag']);
    const ticket = await createTicket(desk, { ...base, customFields: { asset_tag: 'LT-0042' } });
    assert.deepEqual([ticket.department_id, ticket.priority_id, ticket.sla_plan_id], [department.id, high!.id, plan.id]);
    assert.deepEqual(ticket.custom_fields, { asset_tag: 'LT-0042' });
    const [low] = await listObjects(desk, 'priority', { where: { slug: 'low' } });
    const explicit = await createTicket(desk, { ...base, customFields: { asset_tag: 'x' }, priorityId: low!.id as string });
    assert.deepEqual([explicit.department_id, explicit.priority_id], [department.id, low!.id], 'what the caller gives wins over the topic');
    const globexTopic = await createConfigObject(desk, 'helpTopic', { tenant_id: t.globex, name: 'Globex topic' });
    assert.deepEqual(await codeOf(createTicket(desk, { tenantId: t.acme!, subject: 's', body: 'x', helpTopicId: globexTopic.id as string })), ['TENANT_REFERENCE_INVALID', 'helpTopicId']);
  });

  it('audits every ticket change with its old and new values', async () => {
    const ticket = await createTicket(desk, { tenantId: t.globex!, subject: 'Before', body: 'x' });
    await updateTicket(desk, ticket.id as string, { subject: 'After', tags: ['vip'] }, 1);
    const [event] = await listObjects(desk, 'auditEvent', { where: { object_id: ticket.id, action: 'ticket.updated' } });
    assert.equal(event?.actor_contact_id, agent.id);
    assert.deepEqual((event?.data as { changes: unknown }).changes, { subject: { from: 'Before', to: 'After' }, tags: { from: [], to: ['vip'] } });
    assert.deepEqual(await codeOf(updateTicket(desk, ticket.id as string, { subject: 'Lost update' }, 1)), ['CONFLICT', 'version']);
  });

  it('refuses a customer setting agent-only fields or opening a ticket in another name', async () => {
    const customer = await createObject(desk, 'contact', { tenant_id: t.acme, kind: 'customer', email: 'c@acme.test', name: 'C' });
    const customerDesk: DeskContext = {
      ...(await contextFor(db(), { read: [t.acme!], write: [t.acme!], writePublic: false })),
      actor: { contactId: customer.id as string, kind: 'customer', activeRole: { slug: 'customer', permissions: ['ticket.create', 'ticket.reply'] } as unknown as Role },
    };
    assert.deepEqual(await codeOf(createTicket(customerDesk, { subject: 's', body: 'x', assigneeId: agent.id as string })), ['FORBIDDEN', 'assigneeId']);
    assert.deepEqual(await codeOf(createTicket(customerDesk, { subject: 's', body: 'x', requesterId: agent.id as string })), ['FORBIDDEN', 'requesterId']);
    const own = await createTicket(customerDesk, { subject: 'Mine', body: 'x' });
    assert.deepEqual([own.requester_id, own.tenant_id], [customer.id, t.acme]);
    assert.deepEqual(await codeOf(updateTicket(customerDesk, own.id as string, { status: 'closed' }, 1)), ['FORBIDDEN', 'status']);
  });
});
