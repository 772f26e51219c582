import { createContact } from '../../src/identity/create-contact.ts';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { sql } from 'kysely';
import { openDatabase, type Database } from '../../src/db/database.ts';
import type { Role } from '../../src/db/schema.ts';
import { createConfigObject } from '../../src/desk/config/config-objects.ts';
import type { DeskContext } from '../../src/desk/desk-context.ts';
import { addThreadEntry } from '../../src/desk/threads/add-thread-entry.ts';
import { createTicket } from '../../src/desk/tickets/create-ticket.ts';
import { updateTicket } from '../../src/desk/tickets/update-ticket.ts';
import { jobHandlers } from '../../src/jobs/background-work.ts';
import { enqueue } from '../../src/jobs/enqueue.ts';
import { JobRunner } from '../../src/jobs/job-runner.ts';
import { slaSweep } from '../../src/jobs/sla-sweep.ts';
import { sweepOverdue } from '../../src/sla/sweep-overdue.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import { listObjects, type Row } from '../../src/tenancy/data-access.ts';
import { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';

const ADMIN_ROLE = { slug: 'test-admin', permissions: ['admin.*', 'ticket.*'] } as unknown as Role;

forEachDatabase('SLA clocks and the overdue sweep', (db, kind) => {
  let shards: Shards;
  let desk: DeskContext;
  let silo: Database;
  const ids: Record<string, string> = {};

  const ticketRow = async (database: Database, id: string) => (await sql<Row>`select * from tickets where id = ${id}`.execute(database.owner)).rows[0]!;
  const count = async (database: Database, query: ReturnType<typeof sql<{ n: number }>>) => (await query.execute(database.owner)).rows[0]!.n;
  const breachEvents = (database: Database, ticketId: string) =>
    count(database, sql<{ n: number }>`select count(*)::integer as n from thread_entries where ticket_id = ${ticketId} and data->>'event' = 'sla-breach'`);
  const mailTo = (database: Database, address: string) => count(database, sql<{ n: number }>`select count(*)::integer as n from mail_outbox where to_address = ${address}`);
  // Breaches the mails to `address` tell of: one for an overdue mail, its count for a digest.
  const breachesMailed = (database: Database, address: string) =>
    count(database, sql<{ n: number }>`select coalesce(sum(coalesce((template_data->>'count')::integer, 1)), 0)::integer as n from mail_outbox where to_address = ${address}`);
  const makeDue = (database: Database, id: string) =>
    sql`update tickets set first_response_due_at = case when first_response_due_at is not null then now() - interval '1 minute' end,
      resolution_due_at = now() - interval '1 minute' where id = ${id}`.execute(database.owner);

  before(async () => {
    shards = new Shards(db());
    for (const [slug, silo] of [['sp', false], ['acme', false], ['vault', true]] as const) {
      await createTenant(db(), DEFAULT_TENANCY, { slug, name: slug, hosts: [`${slug}.localhost`], silo }, shards);
    }
    const catalog = (await Catalog.load(db(), 0)).snapshot();
    const tenant = (slug: string) => catalog.bySlug.get(slug)!.id;
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog);
    // Agents hold the agent role (an assignee works the tenant's tickets); replies go to a customer.
    const contact = async (slug: string, email: string, role = 'agent') => (await createContact(ctx, { tenantId: tenant(slug), email, name: email, roles: [role] })).id as string;
    ids.spAgent = await contact('sp', 'agent@sp.test');
    ids.acmeAgent = await contact('acme', 'agent@acme.test');
    ids.acmeLead = await contact('acme', 'lead@acme.test');
    ids.acmeCustomer = await contact('acme', 'customer@acme.test', 'customer');
    desk = { ...ctx, actor: { contactId: ids.spAgent, kind: 'staff', activeRole: ADMIN_ROLE } };
    const [urgent] = await listObjects(ctx, 'priority', { where: { slug: 'urgent' } });
    const [normal] = await listObjects(ctx, 'priority', { where: { slug: 'normal' } });
    ids.urgent = urgent!.id as string;
    ids.normal = normal!.id as string;
    ids.team = (await createConfigObject(desk, 'team', { tenant_id: tenant('acme'), name: 'Escalations' })).id as string;
    ids.acmePlan = (await createConfigObject(desk, 'slaPlan', {
      tenant_id: tenant('acme'),
      name: 'Acme 24/7',
      first_response_minutes: 60,
      resolution_minutes: 240,
      escalate_priority_id: ids.urgent,
      escalate_team_id: ids.team,
      escalate_notify_id: ids.acmeLead,
    })).id as string;
    // A public plan used by the silo tenant, whose team lead is the service provider's agent (in the pool).
    ids.publicPlan = (await createConfigObject(desk, 'slaPlan', { tenant_id: null, name: 'Standard', resolution_minutes: 480, escalate_notify_id: ids.spAgent })).id as string;
    silo = await shards.get('silo-vault');
    ids.acmeTenant = String(tenant('acme'));
    ids.vaultTenant = String(tenant('vault'));
  });
  after(async () => {
    await shards?.close();
  });

  it('computes due dates when a ticket opens and when its plan or priority changes', async () => {
    const ticket = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'Printer', body: 'x', slaPlanId: ids.acmePlan });
    const opened = (ticket.created_at as Date).getTime();
    assert.equal((ticket.first_response_due_at as Date).getTime() - opened, 60 * 60_000, 'around the clock: 60 minutes after opening');
    assert.equal((ticket.resolution_due_at as Date).getTime() - opened, 240 * 60_000);
    const noPlan = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'No SLA', body: 'x' });
    assert.equal(noPlan.resolution_due_at, null);
    const planned = await updateTicket(desk, noPlan.id as string, { slaPlanId: ids.acmePlan }, 1);
    assert.equal((planned.resolution_due_at as Date).getTime() - (planned.created_at as Date).getTime(), 240 * 60_000);
  });

  it('pauses the clocks while pending on the customer and resumes them later', async () => {
    const ticket = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'Waiting', body: 'x', slaPlanId: ids.acmePlan });
    const pending = await updateTicket(desk, ticket.id as string, { status: 'pending' }, 1);
    assert.ok(pending.sla_paused_at instanceof Date);
    assert.equal((pending.resolution_due_at as Date).getTime(), (ticket.resolution_due_at as Date).getTime());
    // Paused for an hour (backdated), then answered by the customer.
    await sql`update tickets set sla_paused_at = sla_paused_at - interval '1 hour' where id = ${ticket.id}`.execute(db().owner);
    const resumed = await updateTicket(desk, ticket.id as string, { status: 'open' }, 2);
    assert.equal(resumed.sla_paused_at, null);
    assert.ok(Math.abs((resumed.sla_paused_minutes as number) - 60) < 0.1, String(resumed.sla_paused_minutes));
    const moved = (resumed.resolution_due_at as Date).getTime() - (ticket.resolution_due_at as Date).getTime();
    assert.ok(Math.abs(moved - 3_600_000) < 6000, `moved by ${moved} ms`);
    const resolved = await updateTicket(desk, ticket.id as string, { status: 'resolved' }, 3);
    assert.ok(resolved.resolved_at instanceof Date);
  });

  it('records the first public reply of an agent, not a note', async () => {
    const ticket = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'Answer me', body: 'x', slaPlanId: ids.acmePlan, requesterId: ids.acmeCustomer });
    await addThreadEntry(desk, ticket.id as string, { kind: 'note', body: 'looking' });
    assert.equal((await ticketRow(db(), ticket.id as string)).first_responded_at, null);
    await addThreadEntry(desk, ticket.id as string, { kind: 'reply', body: 'on it' });
    const first = (await ticketRow(db(), ticket.id as string)).first_responded_at as Date;
    assert.ok(first instanceof Date);
    await addThreadEntry(desk, ticket.id as string, { kind: 'reply', body: 'again' });
    assert.equal(((await ticketRow(db(), ticket.id as string)).first_responded_at as Date).getTime(), first.getTime());
  });

  it('keeps the sweep’s work list in step with the ticket: opened, paused, resumed, answered, resolved', async () => {
    const clocks = async (id: string) =>
      (await sql<{ clock: string; due_at: Date }>`select clock, due_at from sla_clocks where ticket_id = ${id} order by clock`.execute(db().owner)).rows.map((r) => [r.clock, r.due_at.getTime()]);
    const dues = (row: Row) => [['first-response', (row.first_response_due_at as Date).getTime()], ['resolution', (row.resolution_due_at as Date).getTime()]];
    const ticket = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'Clocks', body: 'x', slaPlanId: ids.acmePlan, requesterId: ids.acmeCustomer });
    assert.deepEqual(await clocks(ticket.id as string), dues(ticket), 'both clocks run from the opening');
    await updateTicket(desk, ticket.id as string, { status: 'pending' }, 1);
    assert.deepEqual(await clocks(ticket.id as string), [], 'a paused ticket has nothing to sweep');
    await sql`update tickets set sla_paused_at = sla_paused_at - interval '1 hour' where id = ${ticket.id}`.execute(db().owner);
    const resumed = await updateTicket(desk, ticket.id as string, { status: 'open' }, 2);
    assert.deepEqual(await clocks(ticket.id as string), dues(resumed), 'resumed with the due dates the pause moved');
    assert.notDeepEqual(dues(resumed), dues(ticket));
    await addThreadEntry(desk, ticket.id as string, { kind: 'reply', body: 'on it' });
    assert.deepEqual(await clocks(ticket.id as string), dues(resumed).slice(1), 'answered: only the resolution clock runs');
    await updateTicket(desk, ticket.id as string, { status: 'resolved' }, 3);
    assert.deepEqual(await clocks(ticket.id as string), []);
  });

  it('marks overdue, notifies and escalates exactly once, even with two runners sweeping at once', async () => {
    const acme = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'Late', body: 'x', slaPlanId: ids.acmePlan, priorityId: ids.normal, assigneeId: ids.acmeAgent });
    const vault = await createTicket(desk, { tenantId: Number(ids.vaultTenant), subject: 'Late in the silo', body: 'x', slaPlanId: ids.publicPlan });
    const paused = await createTicket(desk, { tenantId: Number(ids.acmeTenant), subject: 'Paused', body: 'x', slaPlanId: ids.acmePlan });
    await updateTicket(desk, paused.id as string, { status: 'pending' }, 1);
    for (const id of [acme.id, paused.id] as string[]) await makeDue(db(), id);
    await makeDue(silo, vault.id as string);
    // Another server: its own connections to the same databases.
    const second = kind === 'postgres' ? await openDatabase({ kind: 'postgres', url: db().url!, poolMax: 4 }) : db();
    const otherShards = kind === 'postgres' ? new Shards(second) : shards;
    try {
      const catalog = (await Catalog.load(db(), 0)).snapshot();
      const results = await Promise.all([sweepOverdue(systemContext(shards, DEFAULT_TENANCY, catalog)), sweepOverdue(systemContext(otherShards, DEFAULT_TENANCY, catalog))]);
      assert.equal(results[0]!.breaches + results[1]!.breaches, 3, 'two clocks of acme’s ticket, the resolution of vault’s');
    } finally {
      if (second !== db()) {
        await otherShards.close();
        await second.close();
      }
    }
    const late = await ticketRow(db(), acme.id as string);
    assert.ok(late.first_response_breached_at && late.resolution_breached_at);
    assert.deepEqual([late.priority_id, late.team_id, late.assignee_id, late.version], [ids.urgent, ids.team, ids.acmeAgent, 2], 'escalated once');
    assert.equal(await breachEvents(db(), acme.id as string), 2);
    assert.equal(await mailTo(db(), 'agent@acme.test'), 1, 'the assignee: one digest for the run');
    assert.equal(await breachesMailed(db(), 'agent@acme.test'), 2, 'listing both breached clocks');
    assert.equal(await mailTo(db(), 'lead@acme.test'), 1, 'the team lead: one digest for the run');
    assert.equal(await breachesMailed(db(), 'lead@acme.test'), 2);
    const [digest] = (await sql<{ kind: string; ticket_id: string | null; data: { tickets: { clock: string }[] } }>`select kind, ticket_id, template_data as data from mail_outbox where to_address = 'lead@acme.test'`.execute(db().owner)).rows;
    assert.deepEqual([digest!.kind, digest!.ticket_id, digest!.data.tickets.map((t) => t.clock).sort()], ['overdue-digest', null, ['first-response', 'resolution']]);
    assert.equal((await ticketRow(db(), paused.id as string)).resolution_breached_at, null, 'a paused clock is not overdue');
    assert.ok((await ticketRow(silo, vault.id as string)).resolution_breached_at);
    assert.equal(await breachEvents(silo, vault.id as string), 1);
    assert.equal(await mailTo(silo, 'agent@sp.test'), 1, 'a team lead on another shard is mailed from the ticket’s shard');

    // A later sweep, through the job runner as the schedule would run it, finds nothing new.
    await enqueue(db().owner, slaSweep, { tenantId: null, payload: {}, key: 'test' });
    const runner = new JobRunner({ shards, settings: DEFAULT_TENANCY, catalog: () => desk.catalog }, { handlers: jobHandlers });
    assert.deepEqual((await runner.drain(db())).map((o) => o.state), ['done']);
    assert.equal(await breachEvents(db(), acme.id as string), 2);
    assert.equal(await mailTo(db(), 'lead@acme.test'), 1);
    assert.equal((await ticketRow(db(), acme.id as string)).version, 2);
  });

  it('works off a backlog larger than a batch in runs of one batch each, every breach once', async () => {
    const late = (tenant: string, planId: string, i: number) =>
      createTicket(desk, { tenantId: Number(tenant), subject: `Backlog ${i}`, body: 'x', slaPlanId: planId, assigneeId: tenant === ids.acmeTenant ? ids.acmeAgent : undefined });
    const acme = await Promise.all([1, 2, 3, 4, 5].map((i) => late(ids.acmeTenant!, ids.acmePlan!, i)));
    const vault = await Promise.all([1, 2, 3].map((i) => late(ids.vaultTenant!, ids.publicPlan!, i)));
    for (const t of acme) await makeDue(db(), t.id as string);
    for (const t of vault) await makeDue(silo, t.id as string);
    const leadMails = await mailTo(db(), 'lead@acme.test');
    const leadBreaches = await breachesMailed(db(), 'lead@acme.test');

    // Two clocks per run: acme's ten (a ticket's two fall due together) take five runs, each
    // enqueuing the next while its batch was full; the sixth finds none.
    await enqueue(db().owner, slaSweep, { tenantId: null, payload: { batch: 2 }, key: 'backlog' });
    const runner = new JobRunner({ shards, settings: DEFAULT_TENANCY, catalog: () => desk.catalog }, { handlers: jobHandlers });
    assert.deepEqual((await runner.drain(db())).map((o) => o.state), ['done', 'done', 'done', 'done', 'done', 'done']);

    for (const t of acme) {
      const row = await ticketRow(db(), t.id as string);
      assert.ok(row.first_response_breached_at && row.resolution_breached_at, `both clocks of ${t.id}`);
      assert.equal(await breachEvents(db(), t.id as string), 2);
    }
    for (const t of vault) assert.equal(await breachEvents(silo, t.id as string), 1);
    assert.equal((await breachesMailed(db(), 'lead@acme.test')) - leadBreaches, 10, 'the team lead, once per ticket and clock');
    assert.equal((await mailTo(db(), 'lead@acme.test')) - leadMails, 5, 'in one digest per run');
    assert.equal(await count(db(), sql<{ n: number }>`select count(*)::integer as n from sla_clocks where ticket_id = any (${acme.map((t) => t.id as string)}::uuid[])`), 0, 'no clock left to sweep');
    assert.deepEqual(await sweepOverdue(systemContext(shards, DEFAULT_TENANCY, desk.catalog)), { tickets: 0, breaches: 0, escalated: 0, mailed: 0, more: false });
  });
});
