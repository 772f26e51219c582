import assert from 'node:assert/strict';
import { before, it } from 'node:test';
import type { Role } from '../../src/db/schema.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { listThread } from '../../src/desk/threads/list-thread.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { createObject, listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

const ADMIN_ROLE = { slug: 'test-admin', permissions: ['admin.*', 'ticket.*'] } as unknown as Role;
const CUSTOMER_ROLE = { slug: 'customer', permissions: ['ticket.create', 'ticket.reply'] } as unknown as Role;

const eventsOf = (entries: Row[]): string[] => entries.filter((e) => e.kind === 'event').map((e) => (e.data as { event: string }).event);

forEachDatabase('thread for customers', (db) => {
  let agentDesk: DeskContext;
  let customerDesk: DeskContext;

  before(async () => {
    const t = await createTenants(db(), [
      { slug: 'sp', name: 'SP' },
      { slug: 'acme', name: 'Acme' },
    ]);
    const ctx = await contextFor(db(), { read: 'all', write: 'all', writePublic: true });
    const agent = await createObject(ctx, 'contact', { tenant_id: t.sp, kind: 'staff', email: 'agent@sp.test', name: 'SP agent' });
    // An assignee is someone whose role works the ticket's tenant: the service provider's agent role.
    const [spAgentRole] = await listObjects(ctx, 'role', { where: { slug: 'sp-agent', tenant_id: null } });
    await createObject(ctx, 'contactRole', { contact_id: agent.id, role_id: spAgentRole!.id, is_default: true });
    agentDesk = { ...ctx, actor: { contactId: agent.id as string, kind: 'staff', activeRole: ADMIN_ROLE } };
    const customer = await createObject(ctx, 'contact', { tenant_id: t.acme, kind: 'customer', email: 'c@acme.test', name: 'C' });
    customerDesk = {
      ...(await contextFor(db(), { read: [t.acme!], write: [t.acme!], writePublic: false })),
      actor: { contactId: customer.id as string, kind: 'customer', activeRole: CUSTOMER_ROLE },
    };
  });

  it('shows a customer its status changes but never the desk’s assignment churn', async () => {
    const ticket = await createTicket(customerDesk, { subject: 'Printer', body: 'It jams.' });
    const assigned = await updateTicket(agentDesk, ticket.id as string, { assigneeId: agentDesk.actor.contactId }, 1);
    const unassigned = await updateTicket(agentDesk, ticket.id as string, { assigneeId: null }, assigned.version as number);
    await updateTicket(agentDesk, ticket.id as string, { status: 'pending' }, unassigned.version as number);

    assert.deepEqual(eventsOf(await listThread(agentDesk, ticket.id as string)), ['assignment', 'assignment', 'status'], 'the agent sees every event');
    const seen = await listThread(customerDesk, ticket.id as string);
    assert.deepEqual(eventsOf(seen), ['status'], 'the customer sees only the status change');
    assert.equal(seen.filter((e) => e.kind !== 'event').length, 1, 'and its own message');
  });
});
