import assert from 'node:assert/strict';
import { before, it, type TestContext } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import type { Database } from '../../src/db/database.ts';
import { objectType } from '../../src/db/registry.ts';
import { AppError } from '../../src/errors.ts';
import { resolveAccess, type Access, type AccessSpec, type RoleAccessSpec } from '../../src/tenancy/access.ts';
import { changeTenantGroupMembers, createTenantGroup } from '../../src/tenancy/catalog/tenant-groups.ts';
import type { TenancyContext } from '../../src/tenancy/context.ts';
import { countObjects, createObject, findObject, listObjects, updateObject, type Row } from '../../src/tenancy/data-access.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { forEachDatabase } from '../support/databases.ts';
import { contextFor, createTenants } from '../support/tenants.ts';
import {
  decideCreate,
  decideUpdate,
  find,
  MODEL_TYPES,
  normalise,
  readIds,
  resolveRole,
  supertenants,
  TYPE_NAMES,
  type AccessRule,
  type Hierarchy,
  type MaintainedKind,
  type ModelAccess,
  type ModelObject,
  type Outcome,
  type RoleRules,
  type TenantId,
  type TypeName,
  type World,
} from './rules-model.ts';

/*
 * Property tests: the scoped data-access layer (listObjects, countObjects, findObject, createObject,
 * updateObject) must answer exactly what the reference model of the tenancy rules (rules-model.ts)
 * answers, for random hierarchies, tenant groups, role access and objects.
 *
 * Per database: one random hierarchy (3-8 tenants, the first is the SP) with user groups and a fixed
 * set of seeded objects is built in `before`; every fast-check case is then a cheap operation on it.
 * Successful creates are deleted again at once (through the owner connection), so the world the
 * model knows stays exact; successful updates only change labels and references, which the model
 * does not depend on. One seed drives the hierarchy and every property: FC_SEED=<n> reproduces a run.
 */

const SEED = process.env.FC_SEED ? Number(process.env.FC_SEED) : Date.now() % 2_147_483_647;
const RUNS = { reads: 300, creates: 700, updates: 400 };

const ALL: Access = { read: 'all', write: 'all', writePublic: true };
const MAINTAINED_KINDS: readonly MaintainedKind[] = ['subtenants', 'supertenants', 'foreign-key', 'related'];
const LABEL: Record<TypeName, string> = { priority: 'name', category: 'name', location: 'name', contact: 'name', ticket: 'subject' };
const ALL_REF_COLUMNS = ['requester_id', 'assignee_id', 'category_id', 'location_id', 'priority_id', 'parent_id'] as const;
const MISSING_ID = '00000000-0000-4000-8000-00000000dead';
const MALFORMED_ID = 'not-a-uuid';

// ---------------------------------------------------------------------------------------------
// The random world: hierarchy, user groups and the seeding choices
// ---------------------------------------------------------------------------------------------

type TenantPlan = { parentPick: number; topLevel: boolean; subtenantsAllowed: boolean };
type WorldPlan = { tenants: TenantPlan[]; groups: number[][]; picks: number[] };

const worldPlan: fc.Arbitrary<WorldPlan> = fc.record({
  tenants: fc.array(
    fc.record({ parentPick: fc.nat(), topLevel: fc.integer({ min: 0, max: 5 }).map((n) => n === 0), subtenantsAllowed: fc.boolean() }),
    { minLength: 2, maxLength: 7 },
  ),
  // Three user groups, as lists of tenant indexes (possibly empty).
  groups: fc.array(fc.array(fc.nat({ max: 7 }), { maxLength: 4 }), { minLength: 3, maxLength: 3 }),
  picks: fc.array(fc.nat(), { minLength: 64, maxLength: 64 }),
});

type Fixture = {
  world: World;
  base: TenancyContext;
  tenants: TenantId[];
  slugOf: Map<TenantId, string>;
  userGroups: Map<string, TenantId[]>;
  groupIds: Map<string, number>;
  /** Row counts per type in the owner's view, to check that refused writes change nothing. */
  counts: Map<TypeName, number>;
};

async function buildFixture(database: Database, plan: WorldPlan): Promise<Fixture> {
  // The hierarchy: tenant 0 is the SP (subtenants allowed); each later one hangs under an earlier
  // tenant that allows subtenants, or (sometimes) is a root of its own.
  const allowed = [true, ...plan.tenants.map((t) => t.subtenantsAllowed)];
  const parentIndex: (number | null)[] = [null];
  plan.tenants.forEach((t, i) => {
    const eligible = allowed.slice(0, i + 1).flatMap((ok, j) => (ok ? [j] : []));
    parentIndex.push(t.topLevel || eligible.length === 0 ? null : eligible[t.parentPick % eligible.length]!);
  });
  const slugs = parentIndex.map((_, i) => `t${i}`);
  const ids = await createTenants(
    database,
    slugs.map((slug, i) => ({
      slug,
      name: `Tenant ${i}`,
      subtenantsAllowed: allowed[i]!,
      ...(parentIndex[i] === null ? {} : { parentSlug: slugs[parentIndex[i]!]! }),
    })),
  );
  const tenants = slugs.map((s) => ids[s]!);
  const slugOf = new Map(tenants.map((id, i) => [id, slugs[i]!]));
  const hierarchy: Hierarchy = {
    sp: tenants[0]!,
    parents: new Map(tenants.map((id, i) => [id, parentIndex[i] === null ? null : tenants[parentIndex[i]!]!])),
  };

  // User groups.
  const userGroups = new Map<string, TenantId[]>();
  for (const [g, members] of plan.groups.entries()) {
    const slug = `g${g}`;
    const memberIds = [...new Set(members.filter((m) => m < tenants.length).map((m) => tenants[m]!))];
    await createTenantGroup(database, { slug, name: `Group ${g}` });
    if (memberIds.length) await changeTenantGroupMembers(database, slug, 'add', memberIds.map((t) => slugOf.get(t)!));
    userGroups.set(slug, memberIds);
  }
  const groupRows = await database.owner.selectFrom('tenant_groups').select(['id', 'slug']).execute();
  const groupIds = new Map(groupRows.map((r) => [r.slug, r.id]));

  // Seeded objects, all created through the data-access layer with an all-access context.
  const system = await contextFor(database, ALL);
  let k = 0;
  const pick = <T>(xs: readonly T[]): T => xs[plan.picks[k++ % plan.picks.length]! % xs.length]!;
  const objects: ModelObject[] = [];
  const priorities = await database.owner.selectFrom('priorities').select('id').orderBy('rank').execute();
  for (const p of priorities) objects.push({ type: 'priority', id: p.id, tenant: null });
  const seed = async (type: TypeName, tenant: TenantId | null, input: Row): Promise<string> => {
    const row = await createObject(system, type, MODEL_TYPES[type].class === 'public' ? input : { tenant_id: tenant, ...input });
    assert.equal(row.tenant_id ?? null, tenant, `seeded ${type} has the tenant it was given`);
    const id = String(row.id);
    objects.push({ type, id, tenant });
    return id;
  };
  const ofType = (type: TypeName, tenants: readonly (TenantId | null)[]) =>
    objects.filter((o) => o.type === type && tenants.includes(o.tenant)).map((o) => o.id);

  await seed('priority', null, { slug: 'seeded', name: 'Seeded', rank: 9 });
  const publicRoot = await seed('category', null, { name: 'Public root' });
  await seed('category', null, { name: 'Public child', parent_id: publicRoot });
  await seed('location', null, { name: 'Public site' });
  for (const [i, t] of tenants.entries()) {
    for (const n of [0, 1]) await seed('contact', t, { kind: pick(['agent', 'customer', 'staff']), email: `c${n}@t${i}.test`, name: `Contact ${n} of t${i}` });
    const above = [null, ...supertenants(hierarchy, t)];
    await seed('category', t, { name: `Category of t${i}`, parent_id: pick([null, ...ofType('category', above)]) });
    if (pick([true, false])) await seed('location', t, { name: `Site of t${i}` });
  }
  for (const [i, t] of tenants.entries()) {
    const above = [null, ...supertenants(hierarchy, t)];
    const tickets = pick([1, 2]);
    for (let n = 0; n < tickets; n++) {
      await seed('ticket', t, {
        subject: `Ticket ${n} of t${i}`,
        requester_id: pick(ofType('contact', above.slice(1))),
        assignee_id: pick([null, ...ofType('contact', [...above.slice(1), hierarchy.sp])]),
        category_id: pick([null, ...ofType('category', above)]),
        location_id: pick([null, ...ofType('location', above)]),
        priority_id: pick([null, ...ofType('priority', [null])]),
      });
    }
  }
  const counts = new Map<TypeName, number>();
  for (const type of TYPE_NAMES) counts.set(type, await ownerCount(database, type));
  // Only the objects the model knows may exist: anything else would make the comparison meaningless.
  for (const type of TYPE_NAMES) assert.equal(counts.get(type), objects.filter((o) => o.type === type).length, `${type} rows`);

  return { world: { hierarchy, objects }, base: await contextFor(database, ALL), tenants, slugOf, userGroups, groupIds, counts };
}

async function ownerCount(database: Database, type: TypeName): Promise<number> {
  const result = await sql<{ n: number }>`select count(*)::integer as n from ${sql.table(objectType(type).table)}`.execute(database.owner);
  return result.rows[0]!.n;
}

async function ownerRow(database: Database, type: TypeName, id: string): Promise<Row | undefined> {
  if (!/^[0-9a-f-]{36}$/.test(id)) return undefined;
  const result = await sql<Row>`select * from ${sql.table(objectType(type).table)} where id = ${id}`.execute(database.owner);
  return result.rows[0];
}

// ---------------------------------------------------------------------------------------------
// Random roles, and their translation into the stored access specs the application resolves
// ---------------------------------------------------------------------------------------------

type RoleCase = RoleRules & { own: TenantId };

function roleArbitrary(f: Fixture): fc.Arbitrary<RoleCase> {
  const tenant = fc.constantFrom(...f.tenants);
  const rule: fc.Arbitrary<AccessRule> = fc.oneof(
    { weight: 2, arbitrary: fc.constant({ kind: 'all' } as const) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('tenant' as const), tenant }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'own' } as const) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('user-group' as const), group: fc.constantFrom(...f.userGroups.keys()) }) },
    {
      weight: 3,
      arbitrary: fc.record({ kind: fc.constant('maintained-group' as const), owner: tenant, groupKind: fc.constantFrom(...MAINTAINED_KINDS) }),
    },
  );
  return fc.record({ read: rule, write: rule, writePublic: fc.boolean(), own: tenant });
}

function storedSpec(f: Fixture, rule: AccessRule): AccessSpec {
  switch (rule.kind) {
    case 'all':
    case 'own':
      return { kind: rule.kind };
    case 'tenant':
      return { kind: 'tenant', tenantId: rule.tenant };
    case 'user-group':
      return { kind: 'group', groupId: f.groupIds.get(rule.group)! };
    case 'maintained-group':
      return { kind: 'group', groupId: f.groupIds.get(`${f.slugOf.get(rule.owner)}.${rule.groupKind}`)! };
  }
}

/** The application's access for the role (resolved by src) and the model's (resolved by the model); they must agree. */
async function accessFor(f: Fixture, role: RoleCase): Promise<{ ctx: TenancyContext; model: ModelAccess }> {
  const spec: RoleAccessSpec = { read: storedSpec(f, role.read), write: storedSpec(f, role.write), writePublic: role.writePublic };
  const access = await resolveAccess(f.base.database, DEFAULT_TENANCY, spec, role.own);
  const model = resolveRole(f.world.hierarchy, f.userGroups, role, role.own);
  assert.deepEqual(
    { read: normalise(access.read), write: normalise(access.write), writePublic: access.writePublic },
    model,
    'the resolved tenant sets of the role',
  );
  return { ctx: { ...f.base, access }, model };
}

// ---------------------------------------------------------------------------------------------
// Random values for tenant and reference fields
// ---------------------------------------------------------------------------------------------

type TenantChoice = { kind: 'absent' } | { kind: 'null' } | { kind: 'tenant'; tenant: TenantId } | { kind: 'unknown' };
type RefChoice =
  | { kind: 'absent' }
  | { kind: 'null' }
  | { kind: 'same-type'; pick: number }
  | { kind: 'other-type'; pick: number }
  | { kind: 'missing' }
  | { kind: 'malformed' };
type RefChoices = Record<(typeof ALL_REF_COLUMNS)[number], RefChoice>;

function tenantChoice(f: Fixture): fc.Arbitrary<TenantChoice> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constant({ kind: 'absent' } as const) },
    { weight: 1, arbitrary: fc.constant({ kind: 'null' } as const) },
    { weight: 4, arbitrary: fc.record({ kind: fc.constant('tenant' as const), tenant: fc.constantFrom(...f.tenants) }) },
    { weight: 1, arbitrary: fc.constant({ kind: 'unknown' } as const) },
  );
}

const refChoice: fc.Arbitrary<RefChoice> = fc.oneof(
  { weight: 4, arbitrary: fc.constant({ kind: 'absent' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'null' } as const) },
  { weight: 8, arbitrary: fc.record({ kind: fc.constant('same-type' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('other-type' as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.constant({ kind: 'missing' } as const) },
  { weight: 1, arbitrary: fc.constant({ kind: 'malformed' } as const) },
);

const refChoices: fc.Arbitrary<RefChoices> = fc.record({
  requester_id: refChoice,
  assignee_id: refChoice,
  category_id: refChoice,
  location_id: refChoice,
  priority_id: refChoice,
  parent_id: refChoice,
});

function tenantValue(f: Fixture, choice: TenantChoice): TenantId | null | undefined {
  switch (choice.kind) {
    case 'absent':
      return undefined;
    case 'null':
      return null;
    case 'tenant':
      return choice.tenant;
    case 'unknown':
      return Math.max(...f.tenants) + 100;
  }
}

function refValue(f: Fixture, target: TypeName, choice: RefChoice): string | null | undefined {
  const pickFrom = (objects: ModelObject[], n: number) => objects[n % objects.length]!.id;
  switch (choice.kind) {
    case 'absent':
      return undefined;
    case 'null':
      return null;
    case 'same-type':
      return pickFrom(f.world.objects.filter((o) => o.type === target), choice.pick);
    case 'other-type':
      return pickFrom(f.world.objects.filter((o) => o.type !== target), choice.pick);
    case 'missing':
      return MISSING_ID;
    case 'malformed':
      return MALFORMED_ID;
  }
}

/** The reference fields of `type` given by the choices (absent ones left out). */
function refsFor(f: Fixture, type: TypeName, choices: RefChoices): Record<string, string | null> {
  const refs: Record<string, string | null> = {};
  for (const ref of MODEL_TYPES[type].references) {
    const value = refValue(f, ref.target, choices[ref.column as keyof RefChoices]);
    if (value !== undefined) refs[ref.column] = value;
  }
  return refs;
}

// ---------------------------------------------------------------------------------------------
// Comparing answers
// ---------------------------------------------------------------------------------------------

type Answer = { ok: true; row: Row } | { ok: false; code: string; field: string | undefined };

async function answer(work: Promise<Row>): Promise<Answer> {
  try {
    return { ok: true, row: await work };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    return { ok: false, code: error.code, field: error.field };
  }
}

function assertSameOutcome(actual: Answer, expected: Outcome, what: string): void {
  if (expected.ok) {
    assert.ok(actual.ok, `${what}: the model accepts it, the data-access layer refused it with ${actual.ok ? '' : `${actual.code} (${actual.field})`}`);
    return;
  }
  assert.ok(!actual.ok, `${what}: the model refuses it with ${expected.code}, the data-access layer accepted it`);
  assert.deepEqual({ code: actual.code, field: actual.field }, { code: expected.code, field: expected.field }, `${what}: the refusal`);
}

let casesRun = 0;

async function check<T>(t: TestContext, arbitrary: fc.Arbitrary<T>, runs: number, body: (value: T) => Promise<void>): Promise<void> {
  let ran = 0;
  const details = await fc.check(
    fc.asyncProperty(arbitrary, async (value) => {
      ran++;
      await body(value);
    }),
    { numRuns: runs, seed: SEED },
  );
  casesRun += ran;
  t.diagnostic(`${ran} generated cases, FC_SEED=${SEED}`);
  if (details.failed) {
    const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(`${fc.defaultReportMessage(details) ?? 'property failed'}\n\nFirst failure of the shrunk case:\n${cause}\n\nRerun with FC_SEED=${SEED}.`);
  }
}

// ---------------------------------------------------------------------------------------------
// The properties
// ---------------------------------------------------------------------------------------------

forEachDatabase('the data-access layer against the reference model of the tenancy rules', (db, kind) => {
  let f: Fixture;

  before(async () => {
    const [plan] = fc.sample(worldPlan, { seed: SEED + (kind === 'postgres' ? 1 : 0), numRuns: 1 });
    f = await buildFixture(db(), plan!);
  });

  it('lists, counts and finds exactly the rows the active role may read', async (t) => {
    type Probe = { kind: 'same-type'; pick: number } | { kind: 'any'; pick: number } | { kind: 'missing' } | { kind: 'malformed' };
    const probe: fc.Arbitrary<Probe> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('same-type' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('any' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'missing' } as const) },
      { weight: 1, arbitrary: fc.constant({ kind: 'malformed' } as const) },
    );
    const readCase = fc.record({
      role: roleArbitrary(f),
      type: fc.constantFrom(...TYPE_NAMES),
      where: fc.oneof(fc.constant(undefined), fc.constant(null), fc.constantFrom(...f.tenants)),
      probes: fc.array(probe, { minLength: 1, maxLength: 3 }),
    });
    await check(t, readCase, RUNS.reads, async (c) => {
      const { ctx, model } = await accessFor(f, c.role);
      const filtered = c.where !== undefined && MODEL_TYPES[c.type].class !== 'public';
      const where: Row = filtered ? { tenant_id: c.where } : {};
      const expected = readIds(f.world, model, c.type, filtered ? { tenant: c.where ?? null } : {});

      const listed = await listObjects(ctx, c.type, { where, limit: 1000 });
      assert.deepEqual(listed.map((r) => String(r.id)).sort(), expected, 'listed rows');
      assert.equal(await countObjects(ctx, c.type, where), expected.length, 'count');

      for (const p of c.probes) {
        const sameType = f.world.objects.filter((o) => o.type === c.type);
        const id =
          p.kind === 'same-type' ? sameType[p.pick % sameType.length]!.id
          : p.kind === 'any' ? f.world.objects[p.pick % f.world.objects.length]!.id
          : p.kind === 'missing' ? MISSING_ID
          : MALFORMED_ID;
        const want = find(f.world, model, c.type, id);
        const got = await answer(findObject(ctx, c.type, id));
        if (want === 'NOT_FOUND') {
          assert.deepEqual(got.ok ? 'found' : got.code, 'NOT_FOUND', `find ${c.type} ${id}`);
        } else {
          assert.ok(got.ok, `find ${c.type} ${id}: the model finds it`);
          assert.equal(got.row.id, id);
          assert.equal(got.row.tenant_id ?? null, want.tenant);
        }
      }
    });
  });

  it('accepts or refuses a create exactly as the rules decide, with the tenant or error code they give', async (t) => {
    const createCase = fc.record({
      role: roleArbitrary(f),
      type: fc.constantFrom<TypeName>('ticket', 'ticket', 'ticket', 'contact', 'category', 'category', 'location', 'priority'),
      tenant: tenantChoice(f),
      refs: refChoices,
    });
    let serial = 0;
    await check(t, createCase, RUNS.creates, async (c) => {
      const { ctx, model } = await accessFor(f, c.role);
      const type = MODEL_TYPES[c.type];
      const tenant = type.class === 'public' ? undefined : tenantValue(f, c.tenant);
      const refs = refsFor(f, c.type, c.refs);
      const n = ++serial;
      const payload: Row = {
        priority: { slug: `p-${n}`, name: `P ${n}`, rank: 100 + n },
        category: { name: `Category ${n}` },
        location: { name: `Site ${n}` },
        contact: { kind: 'customer', email: `new${n}@example.test`, name: `New ${n}` },
        ticket: { subject: `Case ${n}` },
      }[c.type];
      const input: Row = { ...payload, ...(tenant === undefined ? {} : { tenant_id: tenant }), ...refs };

      const expected = decideCreate(f.world, model, { type: c.type, ...(tenant === undefined ? {} : { tenant }), refs });
      const actual = await answer(createObject(ctx, c.type, input));
      try {
        assertSameOutcome(actual, expected, `create ${c.type} ${JSON.stringify(input)}`);
        if (actual.ok && expected.ok) {
          if (type.class !== 'public') assert.equal(actual.row.tenant_id, expected.tenant, 'the tenant of the created object');
          for (const [column, value] of Object.entries(refs)) assert.equal(actual.row[column], value, column);
        }
      } finally {
        if (actual.ok) {
          await sql`delete from ${sql.table(objectType(c.type).table)} where id = ${String(actual.row.id)}`.execute(db().owner);
        }
      }
      assert.equal(await ownerCount(db(), c.type), f.counts.get(c.type), 'a refused create changes nothing');
    });
  });

  it('accepts or refuses an update exactly as the rules decide, and a refused one changes nothing', async (t) => {
    // Mostly objects the role can read (others only ever answer NOT_FOUND).
    type TargetChoice = { kind: 'readable'; pick: number } | { kind: 'same-type'; pick: number } | { kind: 'any'; pick: number } | { kind: 'missing' };
    const target: fc.Arbitrary<TargetChoice> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ kind: fc.constant('readable' as const), pick: fc.nat() }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('same-type' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('any' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.constant({ kind: 'missing' } as const) },
    );
    type PatchTenant = { kind: 'absent' } | { kind: 'same' } | { kind: 'other'; choice: TenantChoice };
    const patchTenant: fc.Arbitrary<PatchTenant> = fc.oneof(
      { weight: 6, arbitrary: fc.constant({ kind: 'absent' } as const) },
      { weight: 2, arbitrary: fc.constant({ kind: 'same' } as const) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('other' as const), choice: tenantChoice(f) }) },
    );
    const updateCase = fc.record({
      role: roleArbitrary(f),
      type: fc.constantFrom<TypeName>('ticket', 'ticket', 'ticket', 'contact', 'category', 'category', 'location', 'priority'),
      target,
      tenant: patchTenant,
      refs: refChoices,
    });
    let serial = 0;
    await check(t, updateCase, RUNS.updates, async (c) => {
      const { ctx, model } = await accessFor(f, c.role);
      const type = MODEL_TYPES[c.type];
      const sameType = f.world.objects.filter((o) => o.type === c.type);
      const readable = sameType.filter((o) => find(f.world, model, c.type, o.id) !== 'NOT_FOUND');
      const id =
        c.target.kind === 'readable' && readable.length ? readable[c.target.pick % readable.length]!.id
        : c.target.kind === 'readable' || c.target.kind === 'same-type' ? sameType[c.target.pick % sameType.length]!.id
        : c.target.kind === 'any' ? f.world.objects[c.target.pick % f.world.objects.length]!.id
        : MISSING_ID;
      const current = f.world.objects.find((o) => o.type === c.type && o.id === id);
      let tenant: TenantId | null | undefined;
      if (type.class !== 'public') {
        if (c.tenant.kind === 'same') tenant = current ? current.tenant : null;
        else if (c.tenant.kind === 'other') tenant = tenantValue(f, c.tenant.choice);
      }
      const refs = refsFor(f, c.type, c.refs);
      const patch: Row = { [LABEL[c.type]]: `Updated ${++serial}`, ...(tenant === undefined ? {} : { tenant_id: tenant }), ...refs };

      const expected = decideUpdate(f.world, model, { type: c.type, id, ...(tenant === undefined ? {} : { tenant }), refs });
      const before = await ownerRow(db(), c.type, id);
      const actual = await answer(updateObject(ctx, c.type, id, patch));
      assertSameOutcome(actual, expected, `update ${c.type} ${id} with ${JSON.stringify(patch)}`);
      if (actual.ok && expected.ok) {
        if (type.class !== 'public') assert.equal(actual.row.tenant_id ?? null, expected.tenant, 'the tenant is unchanged');
        for (const [column, value] of Object.entries(refs)) assert.equal(actual.row[column], value, column);
      } else {
        assert.deepEqual(await ownerRow(db(), c.type, id), before, 'a refused update changes nothing');
      }
    });
  });
});
