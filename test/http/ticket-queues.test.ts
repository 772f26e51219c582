import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { createContact } from '../../src/identity/create-contact.ts';
import { Catalog } from '../../src/tenancy/catalog/catalog.ts';
import { createTenant } from '../../src/tenancy/catalog/create-tenant.ts';
import type { Shards } from '../../src/tenancy/placement/shards.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { systemContext } from '../../src/tenancy/system-context.ts';
import { forEachDatabase } from '../support/databases.ts';
import { demoDeskApp, type Caller } from '../support/desk-app.ts';

/*
 * The agent's queues over HTTP: sorts (created, updated, due, priority) paged by a cursor that
 * never repeats or skips a ticket, also when the rows come from the pool and a silo at once; the
 * overdue, unassigned and department queues.
 */

type Ticket = { id: string; tenant: string; version: number; priorityId: string | null; resolutionDueAt: string | null; createdAt: string; updatedAt: string; assigneeId: string | null; departmentId: string | null; status: string };
type Page = { items: Ticket[]; nextCursor: string | null };

const SORTS = ['created', 'updated', 'due', 'priority'] as const;
const HOUR = 3_600_000;

forEachDatabase('the ticket queues', (db) => {
  let app: FastifyInstance;
  let shards: Shards;
  let as: (email: string) => Promise<Caller>;
  let rank: Map<string | null, number>;

  const errorOf = (res: LightMyRequestResponse) => res.json().error as { code: string; field?: string };
  const open = async (caller: Caller, body: object): Promise<Ticket> => {
    const res = await caller({ method: 'POST', url: '/api/v1/tickets', body });
    assert.equal(res.statusCode, 201, res.body);
    return res.json();
  };
  const patch = async (caller: Caller, ticket: Ticket, body: object): Promise<Ticket> => {
    const res = await caller({ method: 'PATCH', url: `/api/v1/tickets/${ticket.id}`, body: { version: ticket.version, ...body } });
    assert.equal(res.statusCode, 200, res.body);
    return res.json();
  };
  /** Every page of a queue, by cursor, `limit` at a time. */
  const everyPage = async (caller: Caller, query: string, limit: number): Promise<Ticket[]> => {
    const seen: Ticket[] = [];
    let cursor: string | null = null;
    do {
      const res = await caller({ url: `/api/v1/tickets?${query}&limit=${limit}${cursor ? `&cursor=${cursor}` : ''}` });
      assert.equal(res.statusCode, 200, res.body);
      const page = res.json() as Page;
      seen.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return seen;
  };

  before(async () => {
    const desk = await demoDeskApp(db());
    ({ app, shards, as } = desk);
    // A silo next to the pool: the service provider's queue merges both.
    await createTenant(db(), DEFAULT_TENANCY, { slug: 'vault', name: 'Vault', hosts: ['vault.localhost'], silo: true }, shards);
    const catalog = await Catalog.load(db(), 0);
    const ctx = systemContext(shards, DEFAULT_TENANCY, catalog.snapshot());
    await createContact(ctx, { tenantId: catalog.snapshot().bySlug.get('vault')!.id, kind: 'agent', email: 'agent@vault.test', name: 'Vault agent', password: DEMO_PASSWORD, roles: ['agent'] });
    await desk.catalog.refresh();

    const acme = await as('agent@acme.test');
    const vault = await as('agent@vault.test');
    const priorities = (await acme({ url: '/api/v1/lookups/ticket/priority_id' })).json().choices as { id: string; label: string }[];
    const ranks = ['Low', 'Normal', 'High', 'Urgent'];
    rank = new Map<string | null, number>([[null, 0], ...priorities.map((p) => [p.id, ranks.indexOf(p.label) + 1] as [string, number])]);
    const at = Date.now();
    for (let i = 0; i < 7; i++) {
      for (const caller of [acme, vault]) {
        const priorityId = i % 5 === 4 ? undefined : priorities[i % priorities.length]!.id;
        const ticket = await open(caller, { subject: `Queue ${i}`, body: 'x', ...(priorityId ? { priorityId } : {}) });
        // Due dates: some past, some future, some none (a null sorts last ascending, first descending).
        if (i % 3 !== 2) await patch(caller, ticket, { dueAt: new Date(at + (i - 3) * HOUR).toISOString() });
      }
    }
  });
  after(async () => {
    await app?.close();
    await shards?.close();
  });

  const sortValue = (sort: (typeof SORTS)[number], t: Ticket): number | null => {
    if (sort === 'priority') return rank.get(t.priorityId) ?? 0;
    const value = sort === 'created' ? t.createdAt : sort === 'updated' ? t.updatedAt : t.resolutionDueAt;
    return value === null ? null : Date.parse(value);
  };

  it('sorts by created, updated, due and priority both ways, and pages each without repeats or gaps, across pool and silo', async () => {
    const sp = await as('admin@northwind.test');
    for (const sort of SORTS) {
      for (const order of ['asc', 'desc'] as const) {
        const whole = (await sp({ url: `/api/v1/tickets?sort=${sort}&order=${order}&limit=200` })).json() as Page;
        assert.ok(whole.items.some((t) => t.tenant === 'vault') && whole.items.some((t) => t.tenant === 'acme'), 'both shards answer');
        // PostgreSQL's order: nulls last ascending, first descending; ties by id.
        const expected = [...whole.items].sort((a, b) => {
          const [x, y] = [sortValue(sort, a), sortValue(sort, b)];
          const primary = x === y ? 0 : x === null ? 1 : y === null ? -1 : x - y;
          return (order === 'desc' ? -primary : primary) || (a.id < b.id ? -1 : 1);
        });
        assert.deepEqual(whole.items.map((t) => t.id), expected.map((t) => t.id), `${sort} ${order} is in order`);
        const paged = await everyPage(sp, `sort=${sort}&order=${order}`, 4);
        assert.deepEqual(paged.map((t) => t.id), whole.items.map((t) => t.id), `${sort} ${order} pages add up to the whole`);
      }
    }
  });

  it('keeps a sorted cursor stable while tickets arrive, and refuses one of another sort', async () => {
    const acme = await as('agent@acme.test');
    const first = (await acme({ url: '/api/v1/tickets?sort=priority&limit=3' })).json() as Page;
    // An urgent ticket arriving now sorts before the cursor: the next pages neither show nor shift for it.
    const urgent = [...rank].find(([, r]) => r === 4)![0]!;
    await open(acme, { subject: 'Urgent newcomer', body: 'x', priorityId: urgent });
    const rest: Ticket[] = [];
    let cursor = first.nextCursor;
    while (cursor) {
      const page = (await acme({ url: `/api/v1/tickets?sort=priority&limit=3&cursor=${cursor}` })).json() as Page;
      rest.push(...page.items);
      cursor = page.nextCursor;
    }
    const now = (await acme({ url: '/api/v1/tickets?sort=priority&limit=200' })).json() as Page;
    const seen = [...first.items, ...rest].map((t) => t.id);
    assert.equal(new Set(seen).size, seen.length, 'no ticket twice');
    assert.deepEqual(seen, now.items.map((t) => t.id).filter((id) => seen.includes(id)), 'in order');
    assert.equal(seen.length, now.items.length - 1, 'every ticket but the newcomer');

    const other = await acme({ url: `/api/v1/tickets?sort=due&cursor=${first.nextCursor}` });
    assert.equal(other.statusCode, 400);
    assert.deepEqual(errorOf(other), { ...errorOf(other), code: 'VALIDATION_FAILED', field: 'cursor' });
    const flipped = await acme({ url: `/api/v1/tickets?sort=priority&order=asc&cursor=${first.nextCursor}` });
    assert.equal(errorOf(flipped).field, 'cursor');
    const bad = await acme({ url: `/api/v1/tickets?sort=updated&cursor=${Buffer.from('["updated","desc","soon","x"]').toString('base64url')}` });
    assert.equal(bad.statusCode, 400);
  });

  it('lists overdue tickets: past due while running, not once resolved or closed, never another tenant’s', async () => {
    const acme = await as('agent@acme.test');
    const overdue = await everyPage(acme, 'overdue=true&sort=due', 50);
    assert.ok(overdue.length >= 3, 'the tickets due one to three hours ago');
    for (const t of overdue) {
      assert.equal(t.tenant, 'acme');
      assert.ok(t.resolutionDueAt && Date.parse(t.resolutionDueAt) <= Date.now(), `${t.id} is past due`);
    }
    const all = await everyPage(acme, 'sort=due', 50);
    const notYet = all.filter((t) => t.resolutionDueAt && Date.parse(t.resolutionDueAt) > Date.now() + 60_000);
    assert.ok(notYet.length > 0);
    assert.ok(notYet.every((t) => !overdue.some((o) => o.id === t.id)), 'a future due date is not overdue');

    const closed = await acme({ method: 'POST', url: `/api/v1/tickets/${overdue[0]!.id}/close`, body: { version: overdue[0]!.version } });
    assert.equal(closed.statusCode, 200, closed.body);
    const after = await everyPage(acme, 'overdue=true', 50);
    assert.ok(!after.some((t) => t.id === overdue[0]!.id), 'a closed ticket is not overdue');
    assert.equal(after.length, overdue.length - 1);
  });

  it('lists the unassigned queue and a department’s queue on the server, sorted and paged', async () => {
    const acme = await as('agent@acme.test');
    const me = (await acme({ url: '/api/v1/me' })).json().contact.id as string;
    const mine = (await acme({ url: '/api/v1/tickets?sort=created&limit=1' })).json() as Page;
    await patch(acme, mine.items[0]!, { assigneeId: me });
    const unassigned = await everyPage(acme, 'assignee=none&sort=updated', 5);
    assert.ok(unassigned.length > 5, 'several pages');
    assert.ok(unassigned.every((t) => t.assigneeId === null));
    assert.ok(!unassigned.some((t) => t.id === mine.items[0]!.id));

    const departments = (await acme({ url: '/api/v1/departments' })).json().items as { id: string; name: string }[];
    const support = departments.find((d) => d.name === 'Support')!;
    const moved = await patch(acme, unassigned[0]!, { departmentId: support.id });
    const queue = await everyPage(acme, `departmentId=${support.id}&sort=priority`, 2);
    assert.ok(queue.some((t) => t.id === moved.id));
    assert.ok(queue.every((t) => t.departmentId === support.id));
    const bad = await acme({ url: '/api/v1/tickets?departmentId=sales' });
    assert.equal(bad.statusCode, 400);
  });
});
