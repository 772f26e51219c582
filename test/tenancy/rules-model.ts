/**
 * A reference model of DESIGN.md section 1 (tenancy rules), written from the design's words as
 * plain functions over plain data. It deliberately imports nothing from src/: the property tests in
 * rules-property.test.ts compare the real data-access layer against it, so sharing code would make
 * them agree by construction.
 *
 * Scope: multi-tenancy `on`, untenanted `strict` (the state in which everything is enforced).
 */

export type TenantId = number;

/** Every tenant, or a list of tenant ids. */
export type TenantSet = 'all' | readonly TenantId[];

export type ObjectClass = 'public' | 'tenant-required' | 'tenant-optional';

export type TypeName = 'priority' | 'category' | 'location' | 'contact' | 'ticket';

export type ModelReference = {
  readonly column: string;
  readonly target: TypeName;
  /** May also point to objects of the service-provider tenant (write rule 4). */
  readonly spEligible?: boolean;
  /** The target's tenant becomes the object's tenant when none is given (write rule 2). */
  readonly impliesTenant?: boolean;
};

export type ModelType = {
  readonly name: TypeName;
  readonly class: ObjectClass;
  readonly references: readonly ModelReference[];
};

/** The object types the model knows, as DESIGN.md and the test brief describe them. */
export const MODEL_TYPES: Readonly<Record<TypeName, ModelType>> = {
  priority: { name: 'priority', class: 'public', references: [] },
  category: { name: 'category', class: 'tenant-optional', references: [{ column: 'parent_id', target: 'category' }] },
  location: { name: 'location', class: 'tenant-optional', references: [] },
  contact: { name: 'contact', class: 'tenant-required', references: [] },
  ticket: {
    name: 'ticket',
    class: 'tenant-required',
    references: [
      { column: 'requester_id', target: 'contact', impliesTenant: true },
      { column: 'assignee_id', target: 'contact', spEligible: true },
      { column: 'category_id', target: 'category' },
      { column: 'location_id', target: 'location' },
      { column: 'priority_id', target: 'priority' },
    ],
  },
};

export const TYPE_NAMES: readonly TypeName[] = ['priority', 'category', 'location', 'contact', 'ticket'];

// ---------------------------------------------------------------------------------------------
// The hierarchy and tenant groups
// ---------------------------------------------------------------------------------------------

/** Tenants and their parents; `sp` is the service provider (the first tenant, no parent). */
export type Hierarchy = {
  readonly sp: TenantId;
  readonly parents: ReadonlyMap<TenantId, TenantId | null>;
};

export function tenantExists(h: Hierarchy, tenant: TenantId): boolean {
  return h.parents.has(tenant);
}

/** T.supertenants: T and all its ancestors (also T.foreign-key). */
export function supertenants(h: Hierarchy, tenant: TenantId): TenantId[] {
  const out: TenantId[] = [];
  let next: TenantId | null | undefined = tenantExists(h, tenant) ? tenant : undefined;
  while (next !== null && next !== undefined && !out.includes(next)) {
    out.push(next);
    next = h.parents.get(next);
  }
  return out;
}

/** T.subtenants: T and all its descendants. */
export function subtenants(h: Hierarchy, tenant: TenantId): TenantId[] {
  return [...h.parents.keys()].filter((t) => supertenants(h, t).includes(tenant));
}

export type MaintainedKind = 'subtenants' | 'supertenants' | 'foreign-key' | 'related';

export function maintainedGroup(h: Hierarchy, owner: TenantId, kind: MaintainedKind): TenantId[] {
  switch (kind) {
    case 'subtenants':
      return subtenants(h, owner);
    case 'supertenants':
    case 'foreign-key':
      return supertenants(h, owner);
    case 'related':
      return [...new Set([...subtenants(h, owner), ...supertenants(h, owner)])];
  }
}

/** One side (read or write) of a role's tenant access. */
export type AccessRule =
  | { readonly kind: 'all' }
  | { readonly kind: 'tenant'; readonly tenant: TenantId }
  | { readonly kind: 'own' }
  | { readonly kind: 'user-group'; readonly group: string }
  | { readonly kind: 'maintained-group'; readonly owner: TenantId; readonly groupKind: MaintainedKind };

export type RoleRules = { readonly read: AccessRule; readonly write: AccessRule; readonly writePublic: boolean };

export type ModelAccess = { readonly read: TenantSet; readonly write: TenantSet; readonly writePublic: boolean };

/** Resolves a role rule for a contact of tenant `own`; user groups map a slug to their members. */
export function resolveRule(h: Hierarchy, userGroups: ReadonlyMap<string, readonly TenantId[]>, rule: AccessRule, own: TenantId): TenantSet {
  switch (rule.kind) {
    case 'all':
      return 'all';
    case 'tenant':
      return [rule.tenant];
    case 'own':
      return [own];
    case 'user-group':
      return normalise(userGroups.get(rule.group) ?? []);
    case 'maintained-group':
      return normalise(maintainedGroup(h, rule.owner, rule.groupKind));
  }
}

export function resolveRole(h: Hierarchy, userGroups: ReadonlyMap<string, readonly TenantId[]>, role: RoleRules, own: TenantId): ModelAccess {
  return { read: resolveRule(h, userGroups, role.read, own), write: resolveRule(h, userGroups, role.write, own), writePublic: role.writePublic };
}

/** A tenant set in a canonical form (sorted, no duplicates), for comparisons. */
export function normalise(set: TenantSet): TenantSet {
  return set === 'all' ? 'all' : [...new Set(set)].sort((a, b) => a - b);
}

function includes(set: TenantSet, tenant: TenantId): boolean {
  return set === 'all' || set.includes(tenant);
}

// ---------------------------------------------------------------------------------------------
// Objects and reads
// ---------------------------------------------------------------------------------------------

/** An object as far as the rules care: its type, id and tenant (null: public row or public type). */
export type ModelObject = { readonly type: TypeName; readonly id: string; readonly tenant: TenantId | null };

export type World = { readonly hierarchy: Hierarchy; readonly objects: readonly ModelObject[] };

/** Reads: public types are readable by all; a null-tenant row of an optional type is a public row. */
export function canRead(access: ModelAccess, object: ModelObject): boolean {
  const type = MODEL_TYPES[object.type];
  if (type.class === 'public') return true;
  if (object.tenant === null) return type.class === 'tenant-optional';
  return includes(access.read, object.tenant);
}

/** The filter a list or count may add: equality on the tenant column (undefined: no filter). */
export type TenantWhere = { readonly tenant?: TenantId | null };

/** The ids a list (with no limit) or a count returns, sorted. */
export function readIds(world: World, access: ModelAccess, type: TypeName, where: TenantWhere = {}): string[] {
  return world.objects
    .filter((o) => o.type === type && canRead(access, o) && (where.tenant === undefined || o.tenant === where.tenant))
    .map((o) => o.id)
    .sort();
}

/** What finding `id` among objects of `type` answers: the object, or NOT_FOUND (missing or unreadable alike). */
export function find(world: World, access: ModelAccess, type: TypeName, id: string): ModelObject | 'NOT_FOUND' {
  const object = world.objects.find((o) => o.type === type && o.id === id);
  return object && canRead(access, object) ? object : 'NOT_FOUND';
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

export type RefusalCode = 'TENANT_ACCESS_DENIED' | 'TENANT_REQUIRED' | 'TENANT_REFERENCE_INVALID' | 'PUBLIC_WRITE_DENIED' | 'NOT_FOUND' | 'TENANT_IMMUTABLE';

export type Outcome =
  | { readonly ok: true; readonly tenant: TenantId | null }
  | { readonly ok: false; readonly code: RefusalCode; readonly field?: string };

const refuse = (code: RefusalCode, field?: string): Outcome => (field === undefined ? { ok: false, code } : { ok: false, code, field });

/**
 * A create attempt. `tenant`: undefined = not given, null = explicitly public/none, a number = that
 * tenant (possibly one that does not exist). `refs` holds the reference columns given (null = none).
 */
export type CreateAttempt = {
  readonly type: TypeName;
  readonly tenant?: TenantId | null;
  readonly refs: Readonly<Record<string, string | null>>;
};

/**
 * Write rule 2: the tenant of a new object. Explicit; else the tenant of the target of a
 * tenant-implying (never a service-provider-eligible) reference, looked up among what the role can
 * read (a row it cannot read must look missing); else the only tenant the role can write; else
 * TENANT_REQUIRED. A tenant-required object never has a null tenant.
 */
function decideTenant(world: World, access: ModelAccess, attempt: CreateAttempt): { tenant: TenantId | null } | Outcome {
  const type = MODEL_TYPES[attempt.type];
  if (attempt.tenant !== undefined) {
    if (attempt.tenant === null && type.class === 'tenant-required') return refuse('TENANT_REQUIRED', 'tenant_id');
    return { tenant: attempt.tenant };
  }
  for (const ref of type.references) {
    if (!ref.impliesTenant || ref.spEligible) continue;
    const value = attempt.refs[ref.column];
    if (value === undefined || value === null) continue;
    const target = find(world, access, ref.target, value);
    if (target === 'NOT_FOUND') return refuse('TENANT_REFERENCE_INVALID', ref.column);
    if (target.tenant !== null) return { tenant: target.tenant };
  }
  if (access.write !== 'all' && access.write.length === 1) return { tenant: access.write[0]! };
  return refuse('TENANT_REQUIRED', 'tenant_id');
}

/** Write rule 1: the tenant is writable by the role (public rows need may-write-public). */
function writable(world: World, access: ModelAccess, type: TypeName, tenant: TenantId | null): Outcome | undefined {
  const cls = MODEL_TYPES[type].class;
  if (cls === 'public' || tenant === null) {
    // A tenant-required object never reaches here with a null tenant (decideTenant refuses it).
    return access.writePublic ? undefined : refuse('PUBLIC_WRITE_DENIED');
  }
  if (!tenantExists(world.hierarchy, tenant) || !includes(access.write, tenant)) return refuse('TENANT_ACCESS_DENIED', 'tenant_id');
  return undefined;
}

/**
 * Write rules 3 and 4: the target exists and is public (public type or null tenant), or belongs to
 * the object's tenant or a tenant above it; a service-provider-eligible reference may also point
 * to the SP's objects. References are checked in declaration order; the first bad one is reported.
 */
export function referenceAllowed(world: World, objectTenant: TenantId | null, ref: ModelReference, targetId: string): boolean {
  const target = world.objects.find((o) => o.type === ref.target && o.id === targetId);
  if (!target) return false;
  if (MODEL_TYPES[target.type].class === 'public' || target.tenant === null) return true;
  if (objectTenant !== null && supertenants(world.hierarchy, objectTenant).includes(target.tenant)) return true;
  return ref.spEligible === true && target.tenant === world.hierarchy.sp;
}

function checkReferences(world: World, type: TypeName, tenant: TenantId | null, refs: Readonly<Record<string, string | null>>): Outcome | undefined {
  for (const ref of MODEL_TYPES[type].references) {
    const value = refs[ref.column];
    if (value === undefined || value === null) continue;
    if (!referenceAllowed(world, tenant, ref, value)) return refuse('TENANT_REFERENCE_INVALID', ref.column);
  }
  return undefined;
}

/** Whether a create is accepted (with the tenant the new object gets) or refused (with which code). */
export function decideCreate(world: World, access: ModelAccess, attempt: CreateAttempt): Outcome {
  let tenant: TenantId | null = null;
  if (MODEL_TYPES[attempt.type].class !== 'public') {
    const decided = decideTenant(world, access, attempt);
    if ('ok' in decided) return decided;
    tenant = decided.tenant;
  }
  return writable(world, access, attempt.type, tenant) ?? checkReferences(world, attempt.type, tenant, attempt.refs) ?? { ok: true, tenant };
}

/**
 * An update of object `id` of `type`. `tenant` undefined = the patch does not name the tenant;
 * otherwise the tenant the patch gives (which must equal the current one: a tenant never changes).
 */
export type UpdateAttempt = {
  readonly type: TypeName;
  readonly id: string;
  readonly tenant?: TenantId | null;
  readonly refs: Readonly<Record<string, string | null>>;
};

/** NOT_FOUND unless readable; then the tenant may not change; then rule 1 on its tenant; then rules 3-4 on the references changed. */
export function decideUpdate(world: World, access: ModelAccess, attempt: UpdateAttempt): Outcome {
  const current = find(world, access, attempt.type, attempt.id);
  if (current === 'NOT_FOUND') return refuse('NOT_FOUND');
  if (attempt.tenant !== undefined && attempt.tenant !== current.tenant) return refuse('TENANT_IMMUTABLE', 'tenant_id');
  return writable(world, access, attempt.type, current.tenant) ?? checkReferences(world, attempt.type, current.tenant, attempt.refs) ?? { ok: true, tenant: current.tenant };
}
