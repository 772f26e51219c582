import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { before, it } from 'node:test';
import { sql } from 'kysely';
import type { Role, TicketState } from '../../src/db/schema.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { closeTicket, reopenOnCustomerReply, reopenTicket } from '../../src/desk/tickets/ticket-lifecycle.ts';
import { CUSTOMER_TRANSITIONS, isCustomerTransition, TICKET_STATES } from '../../src/desk/tickets/ticket-transitions.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { AppError } from '../../src/errors.ts';
import { assertCanDefineRole, assertPermissionNames } from '../../src/identity/permissions.ts';
import { createObject, findObject, listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';

const ADMIN_ROLE = { slug: 'test-admin', permissions: ['admin.*', 'ticket.*'] } as unknown as Role;

/** The error code and field a use case refused with. */
async function refusal(promise: Promise<unknown>): Promise<[string, string | undefined, string]> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, String(error));
    return [error.code, error.field, error.message];
  }
  return ['none', undefined, ''];
}

/**
 * A status change is a permission per transition (ticket.status.<from>.<to>); the public roles get
 * theirs from migration 0026: customers close or reopen their own tickets, nothing else.
 */
forEachDatabase('ticket status transitions', (db) => {
  let t: Record<string, number>;
  let admin: DeskContext;
  let roles: Record<string, Role>;
  let customerDesk: (role?: Role) => Promise<DeskContext>;
  let agentDesk: DeskContext;

  /** A ticket of the customer's, moved by the administrator to `state`. */
  const ticketIn = async (state: TicketState): Promise<Row> => {
    const customer = await customerDesk();
    const ticket = await createTicket(customer, { subject: `Now ${state}`, body: 'x' });
    return state === 'open' ? ticket : updateTicket(admin, ticket.id as string, { status: state }, ticket.version as number);
  };

  before(async () => {
    t = await createTenants(db(), [{ slug: 'sp', name: 'SP' }, { slug: 'acme', name: 'Acme' }]);
    const all = await contextFor(db(), { read: 'all', write: 'all', writePublic: true });
    const staff = await createObject(all, 'contact', { tenant_id: t.sp, kind: 'staff', email: 'admin@sp.test', name: 'SP admin' });
    admin = { ...all, actor: { contactId: staff.id as string, kind: 'staff', activeRole: ADMIN_ROLE } };
    const publicRoles = await listObjects(all, 'role', { where: { tenant_id: null }, limit: 100 });
    roles = Object.fromEntries(publicRoles.map((r) => [r.slug, r as unknown as Role]));
    const own = await contextFor(db(), { read: [t.acme!], write: [t.acme!], writePublic: false });
    const customer = await createObject(all, 'contact', { tenant_id: t.acme, kind: 'customer', email: 'c@acme.test', name: 'C' });
    const agent = await createObject(all, 'contact', { tenant_id: t.acme, kind: 'agent', email: 'a@acme.test', name: 'A' });
    customerDesk = async (role = roles.customer!) => ({ ...own, actor: { contactId: customer.id as string, kind: 'customer', activeRole: role } });
    agentDesk = { ...own, actor: { contactId: agent.id as string, kind: 'agent', activeRole: roles.agent! } };
  });

  it('grants the public customer role exactly closing and reopening, and no ticket.close any more', () => {
    const customer = roles.customer!.permissions;
    assert.deepEqual(customer.filter((p) => p.startsWith('ticket.status.')).sort(), [...CUSTOMER_TRANSITIONS].sort());
    assert.equal(CUSTOMER_TRANSITIONS.length, 5);
    for (const role of Object.values(roles)) assert.ok(!role.permissions.includes('ticket.close'), role.slug);
    for (const slug of ['sp-admin', 'sp-agent', 'tenant-admin', 'agent']) assert.ok(roles[slug]!.permissions.includes('ticket.status.*'), slug);
  });

  it('lets a customer close or reopen its own ticket, and refuses every other change of state, changing nothing', async () => {
    const customer = await customerDesk();
    for (const from of TICKET_STATES) {
      for (const to of TICKET_STATES.filter((s) => s !== from)) {
        const ticket = await ticketIn(from);
        const [code, field, message] = await refusal(updateTicket(customer, ticket.id as string, { status: to }, ticket.version as number));
        if (isCustomerTransition(from, to)) {
          assert.equal(code, 'none', `${from} -> ${to}: ${message}`);
          continue;
        }
        assert.deepEqual([code, field], ['FORBIDDEN', 'status'], `${from} -> ${to}`);
        assert.match(message, new RegExp(`from ${from} to ${to}`));
        const after = await findObject(admin, 'ticket', ticket.id as string);
        assert.deepEqual([after.status, after.version, after.sla_paused_at], [ticket.status, ticket.version, ticket.sla_paused_at], `${from} -> ${to} changed nothing`);
      }
    }
  });

  it("keeps a customer to closing and reopening even when its role grants more", async () => {
    const generous = { ...roles.customer!, slug: 'generous', permissions: ['ticket.create', 'ticket.reply', 'ticket.status.*'] } as Role;
    const ticket = await ticketIn('open');
    assert.deepEqual((await refusal(updateTicket(await customerDesk(generous), ticket.id as string, { status: 'pending' }, ticket.version as number))).slice(0, 2), ['FORBIDDEN', 'status']);
  });

  it('closes and reopens through the named moves', async () => {
    const customer = await customerDesk();
    const ticket = await ticketIn('open');
    const closed = await closeTicket(customer, ticket.id as string, ticket.version as number);
    assert.equal(closed.status, 'closed');
    assert.equal((await reopenTicket(customer, ticket.id as string, closed.version as number)).status, 'open');
  });

  it('leaves agents every transition they had', async () => {
    for (const from of TICKET_STATES) {
      for (const to of TICKET_STATES.filter((s) => s !== from)) {
        const ticket = await ticketIn(from);
        assert.equal((await updateTicket(agentDesk, ticket.id as string, { status: to }, ticket.version as number)).status, to, `${from} -> ${to}`);
      }
    }
  });

  it("reopens a ticket on the customer's reply, a move made on its behalf", async () => {
    for (const from of ['pending', 'resolved', 'closed'] as const) {
      const ticket = await ticketIn(from);
      await reopenOnCustomerReply(await customerDesk(), ticket.id as string);
      assert.equal((await findObject(admin, 'ticket', ticket.id as string)).status, 'open', from);
    }
  });

  it('migration 0026 gives every other role that closed tickets every transition', async () => {
    const before = await createObject(admin, 'role', { tenant_id: t.acme, slug: 'night-desk', name: 'Night desk', read_access: 'own', write_access: 'own', permissions: ['ticket.reply', 'ticket.close'], data_partitions: '[]' });
    await sql.raw(readFileSync(new URL('../../migrations/0026_status_transitions.sql', import.meta.url), 'utf8')).execute(db().owner);
    const after = await findObject(admin, 'role', before.id as string);
    assert.deepEqual([...(after.permissions as string[])].sort(), ['ticket.reply', 'ticket.status.*']);
  });

  it('knows the transition permissions when roles are defined', () => {
    assert.throws(() => assertPermissionNames(['ticket.close']), (e: AppError) => e.code === 'VALIDATION_FAILED' && e.field === 'permissions' && /ticket\.status\./.test(e.message));
    for (const bad of ['ticket.status.open.nowhere', 'ticket.status.open', 'ticket.status.limbo.*']) assert.throws(() => assertPermissionNames([bad]), /not a status transition/, bad);
    assertPermissionNames(['ticket.status.*', 'ticket.status.open.*', 'ticket.status.pending.open', 'ticket.reply']);
    const tenantAdmin = roles['tenant-admin']!;
    const role = (permissions: string[]) => ({ read_access: 'own' as const, write_access: 'own' as const, may_write_public: false, permissions });
    assertCanDefineRole(tenantAdmin, role(['ticket.status.open.closed', 'ticket.status.closed.open', 'ticket.status.pending.*']));
    // Who holds only some transitions cannot hand out the others.
    const narrow = { permissions: ['admin.tenant', 'ticket.status.open.closed'] };
    assertCanDefineRole(narrow, role(['ticket.status.open.closed']));
    for (const stronger of ['ticket.status.*', 'ticket.status.open.*', 'ticket.status.open.pending']) {
      assert.throws(() => assertCanDefineRole(narrow, role([stronger])), (e: AppError) => e.code === 'FORBIDDEN' && e.message.includes(stronger), stronger);
    }
  });
});
