import { AppError } from '../errors.ts';
import type { AdminOptions } from './admin-commands.ts';
import { admin, tenantId } from './admin-context.ts';
import type { Runtime } from './runtime.ts';

/** A tenant's single sign-on connections (`sso ...`), run here or in the server; each loads the SSO modules when it runs. */
type AdminCommand = (rt: Runtime, options: AdminOptions) => Promise<string>;

const text = (o: AdminOptions, key: string): string | undefined => (typeof o[key] === 'string' && o[key] ? (o[key] as string) : undefined);
const list = (o: AdminOptions, key: string): string[] | undefined => (Array.isArray(o[key]) ? (o[key] as string[]) : undefined);
const slugOf = (rt: Runtime, id: unknown) => (typeof id === 'number' ? rt.catalog.snapshot().byId.get(id)?.slug : undefined) ?? '?';

/** `--map group=role` pairs as a role mapping. */
function roleMapping(values: string[] | undefined): { group: string; role: string }[] | undefined {
  return values?.map((pair) => {
    const at = pair.lastIndexOf('=');
    if (at < 1) throw new AppError('VALIDATION_FAILED', `--map takes group=role, not "${pair}".`, 'map');
    return { group: pair.slice(0, at), role: pair.slice(at + 1) };
  });
}

/** The fields of `sso add` and `sso update` given on the command line. */
function fields(o: AdminOptions) {
  const jit = text(o, 'jit');
  return {
    ...(text(o, 'name') ? { name: text(o, 'name')! } : {}),
    ...(text(o, 'issuer') ? { issuer: text(o, 'issuer')! } : {}),
    ...(text(o, 'clientId') ? { clientId: text(o, 'clientId')! } : {}),
    ...(typeof o.clientSecret === 'string' ? { clientSecret: o.clientSecret } : {}),
    ...(text(o, 'scopes') ? { scopes: text(o, 'scopes')! } : {}),
    ...(text(o, 'emailClaim') ? { emailClaim: text(o, 'emailClaim')! } : {}),
    ...(list(o, 'domain') ? { allowedDomains: list(o, 'domain')! } : {}),
    ...(typeof o.localPasswords === 'boolean' ? { localPasswords: o.localPasswords } : {}),
    ...(jit ? { jit: jit as 'off' | 'customers' | 'customers_and_agents' } : {}),
    ...(text(o, 'jitRole') ? { jitRole: text(o, 'jitRole')! } : {}),
    ...(text(o, 'groupsClaim') ? { groupsClaim: text(o, 'groupsClaim')! } : {}),
    ...(list(o, 'map') ? { roleMapping: roleMapping(list(o, 'map'))! } : {}),
  };
}

export const ssoCommands: Record<string, AdminCommand> = {
  'sso.add': async (rt, o) => {
    const [{ createSsoConnection }, { mailDeps }] = await Promise.all([import('../identity/sso/sso-connections.ts'), import('../mail/mail-context.ts')]);
    const tenant = text(o, 'tenant');
    if (!tenant) throw new AppError('VALIDATION_FAILED', '--tenant is required.', 'tenant');
    const given = fields(o);
    if (!given.name || !given.issuer || !given.clientId) throw new AppError('VALIDATION_FAILED', '--name, --issuer and --client-id are required.', !given.name ? 'name' : !given.issuer ? 'issuer' : 'clientId');
    const created = await createSsoConnection(await admin(rt), { box: mailDeps(rt).box }, { tenantId: await tenantId(rt, tenant), ...given, name: given.name, issuer: given.issuer, clientId: given.clientId });
    return `Connection ${created.id as string} (${created.name as string}) added to ${tenant}: its sign-in page now offers "Sign in with ${created.name as string}". Register the callback https://<the tenant's host>/api/v1/auth/oidc/callback at the provider.`;
  },
  'sso.update': async (rt, o) => {
    const [{ updateSsoConnection }, { mailDeps }] = await Promise.all([import('../identity/sso/sso-connections.ts'), import('../mail/mail-context.ts')]);
    const updated = await updateSsoConnection(await admin(rt), { box: mailDeps(rt).box }, String(o.id), { ...fields(o), ...(typeof o.active === 'boolean' ? { active: o.active } : {}) });
    return `Connection ${updated.id as string} (${updated.name as string}) updated.`;
  },
  'sso.list': async (rt, o) => {
    const { listSsoConnections } = await import('../identity/sso/sso-connections.ts');
    const only = text(o, 'tenant') ? await tenantId(rt, text(o, 'tenant')!) : undefined;
    const rows = (await listSsoConnections(await admin(rt))).filter((c) => only === undefined || c.tenant_id === only);
    const lines = rows.map((c) => [c.id, slugOf(rt, c.tenant_id), c.name, c.issuer, c.client_id, c.jit, c.local_passwords ? 'yes' : 'no', c.active ? 'yes' : 'no'].join('\t'));
    return ['id\ttenant\tname\tissuer\tclient\tjit\tpasswords\tactive', ...lines].join('\n');
  },
  'sso.remove': async (rt, o) => {
    const { deleteSsoConnection } = await import('../identity/sso/sso-connections.ts');
    await deleteSsoConnection(await admin(rt), String(o.id));
    return `Connection ${String(o.id)} removed; its sign-in button is gone.`;
  },
};
