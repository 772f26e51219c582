import type { Role } from '../../db/schema.ts';
import { AppError } from '../../errors.ts';
import { requireSecretBox, type SecretBox } from '../../mail/secret-box.ts';
import type { TenancyContext } from '../../tenancy/context.ts';
import { createObject, findObject, inTransaction, listObjects, updateObject, type Row } from '../../tenancy/data-access.ts';
import { deleteAudited, recordAuditInScope } from '../audit.ts';
import { assertCanGrant } from '../permissions.ts';

export const JIT_MODES = ['off', 'customers', 'customers_and_agents'] as const;
export type JitMode = (typeof JIT_MODES)[number];

/** A connection as an administrator writes it: roles by slug, the secret in clear (stored encrypted). */
export type SsoConnectionInput = {
  tenantId?: number;
  name: string;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  scopes?: string;
  emailClaim?: string;
  allowedDomains?: string[];
  localPasswords?: boolean;
  jit?: JitMode;
  jitRole?: string | null;
  groupsClaim?: string;
  roleMapping?: { group: string; role: string }[];
  active?: boolean;
};

export type SsoConnectionPatch = Partial<Omit<SsoConnectionInput, 'tenantId'>>;

/** A stored connection's role mapping: a contact in `group` holds the role `roleId`. */
export type RoleMapping = { group: string; roleId: string }[];

/**
 * The issuer is the identity provider's identifier and where discovery starts: https, or http on the
 * loopback (a provider on the same machine, as in tests; still reached only if OUTBOUND_ALLOW lets it).
 */
export function issuerUrl(issuer: string): URL {
  let url: URL | undefined;
  try {
    url = new URL(issuer);
  } catch {
    url = undefined;
  }
  const loopback = url && ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (!url || !(url.protocol === 'https:' || (url.protocol === 'http:' && loopback)) || url.search || url.hash || url.username) {
    throw new AppError('VALIDATION_FAILED', 'The issuer is the https:// address of the identity provider (its discovery document is at /.well-known/openid-configuration under it).', 'issuer');
  }
  return url;
}

const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$|^localhost$/;

function domains(values: readonly string[]): string[] {
  const out = values.map((d) => d.trim().toLowerCase().replace(/^@/, ''));
  const bad = out.find((d) => !DOMAIN.test(d));
  if (bad !== undefined) throw new AppError('VALIDATION_FAILED', `"${bad}" is not a domain name (example.com).`, 'allowedDomains');
  return [...new Set(out)];
}

/**
 * The role a slug names for a connection of `tenantId`: the tenant's own role, else the public one;
 * never another tenant's. The administrator may not hand out through sign-in a role it could not grant.
 */
async function roleFor(ctx: TenancyContext, tenantId: number, slug: string, field: string, grantedBy: Role | undefined): Promise<Row> {
  const roles = await listObjects(ctx, 'role', { where: { slug }, orderBy: 'tenant_id' });
  const role = roles.find((r) => r.tenant_id === tenantId) ?? roles.find((r) => r.tenant_id === null);
  if (!role) throw new AppError('NOT_FOUND', `No role "${slug}" for this tenant.`, field);
  if (grantedBy) assertCanGrant(grantedBy, role as Role);
  return role;
}

/** The columns of the given fields, validated; roles resolved under the connection's tenant. */
async function columnsOf(ctx: TenancyContext, tenantId: number, input: SsoConnectionPatch, box: SecretBox | undefined, grantedBy: Role | undefined): Promise<Row> {
  const columns: Row = {};
  if (input.name !== undefined) columns.name = input.name.trim();
  if (input.issuer !== undefined) columns.issuer = issuerUrl(input.issuer).href.replace(/\/$/, '');
  if (input.clientId !== undefined) columns.client_id = input.clientId;
  if (input.clientSecret !== undefined) columns.client_secret_enc = input.clientSecret === '' ? null : requireSecretBox(box, 'store client secrets').encrypt(input.clientSecret);
  if (input.scopes !== undefined) {
    const scopes = input.scopes.split(/\s+/).filter(Boolean);
    if (!scopes.includes('openid')) scopes.unshift('openid');
    columns.scopes = scopes.join(' ');
  }
  if (input.emailClaim !== undefined) columns.email_claim = input.emailClaim;
  if (input.allowedDomains !== undefined) columns.allowed_domains = domains(input.allowedDomains);
  if (input.localPasswords !== undefined) columns.local_passwords = input.localPasswords;
  if (input.jit !== undefined) columns.jit = input.jit;
  if (input.jitRole !== undefined) columns.jit_role_id = input.jitRole === null ? null : (await roleFor(ctx, tenantId, input.jitRole, 'jitRole', grantedBy)).id;
  if (input.groupsClaim !== undefined) columns.groups_claim = input.groupsClaim;
  if (input.roleMapping !== undefined) {
    const mapping: RoleMapping = [];
    for (const { group, role } of input.roleMapping) mapping.push({ group, roleId: (await roleFor(ctx, tenantId, role, 'roleMapping', grantedBy)).id as string });
    columns.role_mapping = JSON.stringify(mapping);
  }
  if (input.active !== undefined) columns.active = input.active;
  return columns;
}

/** Just-in-time provisioning needs a default role, and "customers" only hands out a customer's role (checked at sign-in too). */
function assertJitRole(row: Row): void {
  if (row.jit !== 'off' && !row.jit_role_id) throw new AppError('VALIDATION_FAILED', 'Just-in-time provisioning needs a default role (jitRole) for the contacts it creates.', 'jitRole');
}

export type SsoDeps = { readonly box: SecretBox | undefined; readonly grantedBy?: Role };

/** Adds an OpenID Connect connection to a tenant the role writes; audited, the secret encrypted. */
export async function createSsoConnection(ctx: TenancyContext, deps: SsoDeps, input: SsoConnectionInput): Promise<Row> {
  const write = ctx.access.write;
  const tenantId = input.tenantId ?? (write !== 'all' && write.length === 1 ? write[0]! : undefined);
  if (tenantId === undefined) throw new AppError('TENANT_REQUIRED', 'Your active role can write several tenants: say which tenant with "tenant".', 'tenant');
  const values = { tenant_id: tenantId, jit: 'off', ...(await columnsOf(ctx, tenantId, input, deps.box, deps.grantedBy)) };
  assertJitRole(values);
  return inTransaction(ctx, async (tx) => {
    const created = await createObject(tx, 'ssoConnection', values);
    await recordAuditInScope(tx, { tenantId, action: 'sso.connection_created', objectType: 'ssoConnection', objectId: created.id as string, data: { name: created.name, issuer: created.issuer } });
    return created;
  }, tenantId);
}

export async function updateSsoConnection(ctx: TenancyContext, deps: SsoDeps, id: string, patch: SsoConnectionPatch): Promise<Row> {
  const current = await findObject(ctx, 'ssoConnection', id);
  const tenantId = current.tenant_id as number;
  const columns = await columnsOf(ctx, tenantId, patch, deps.box, deps.grantedBy);
  assertJitRole({ ...current, ...columns });
  return inTransaction(ctx, async (tx) => {
    const updated = await updateObject(tx, 'ssoConnection', id, columns);
    await recordAuditInScope(tx, { tenantId, action: 'sso.connection_updated', objectType: 'ssoConnection', objectId: id, data: { fields: Object.keys(patch).filter((f) => f !== 'clientSecret').concat(patch.clientSecret !== undefined ? ['clientSecret'] : []) } });
    return updated;
  }, tenantId);
}

export async function deleteSsoConnection(ctx: TenancyContext, id: string): Promise<void> {
  await deleteAudited(ctx, 'ssoConnection', id, 'sso.connection_deleted', (row) => ({ name: row.name }));
}

export async function listSsoConnections(ctx: TenancyContext): Promise<Row[]> {
  return listObjects(ctx, 'ssoConnection', { orderBy: 'name', limit: 1000 });
}

export async function getSsoConnection(ctx: TenancyContext, id: string): Promise<Row> {
  return findObject(ctx, 'ssoConnection', id);
}

/**
 * A connection as administrators see it: roles by slug, and whether a secret is set, never the secret.
 * `roles` are the roles the caller reads (a role it cannot read shows as its id).
 */
export function presentSsoConnection(row: Row, roles: readonly Row[]): Row {
  const { client_secret_enc: secret, jit_role_id: jitRoleId, role_mapping: mapping, ...rest } = row;
  const slug = (id: unknown) => (roles.find((r) => r.id === id)?.slug as string | undefined) ?? String(id);
  return {
    ...rest,
    client_secret_set: secret !== null && secret !== undefined,
    jit_role: jitRoleId ? slug(jitRoleId) : null,
    role_mapping: ((mapping ?? []) as RoleMapping).map((m) => ({ group: m.group, role: slug(m.roleId) })),
  };
}
