import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { api, get, query } from './client.ts';
import { keys } from './queries.ts';
import type { AdminRole, BrandingChange, HeldRole, Mailbox, SsoConnection, Webhook, WebhookDelivery, MailPreview, MailTemplate, MailTemplateKind, NewTenant, TenancyState, TenantEntry, TenantGroup } from './admin-types.ts';
import type { Contact, TenantInfo } from './types.ts';

/** Queries and changes of the administration screens; all role-dependent, so under keys.scoped. */
const admin = (...parts: unknown[]) => [...keys.scoped, 'admin', ...parts];
const enc = encodeURIComponent;

/** A mutation that refreshes the queries under `invalidate` once it succeeded. */
function useChange<I, O>(invalidate: unknown[], mutationFn: (input: I) => Promise<O>) {
  const client = useQueryClient();
  return useMutation({ mutationFn, onSuccess: () => client.invalidateQueries({ queryKey: invalidate }) });
}

export function useConfigUpdate(path: string) {
  return useChange([...keys.scoped, 'config', path], ({ id, body }: { id: string; body: Record<string, unknown> }) => api('PATCH', `/api/v1/${path}/${enc(id)}`, body));
}

export function useContactActions() {
  const contacts = [...keys.scoped, 'contacts'];
  return {
    update: useChange(contacts, ({ id, body }: { id: string; body: Partial<Pick<Contact, 'name' | 'kind' | 'status'>> }) => api<Contact>('PATCH', `/api/v1/contacts/${enc(id)}`, body)),
    grant: useChange(admin('held-roles'), ({ id, role }: { id: string; role: string }) => api('POST', `/api/v1/contacts/${enc(id)}/roles`, { role })),
    revoke: useChange(admin('held-roles'), ({ id, roleId }: { id: string; roleId: string }) => api<void>('DELETE', `/api/v1/contacts/${enc(id)}/roles/${enc(roleId)}`)),
  };
}

export function useHeldRoles(contactId: string) {
  return useQuery({ queryKey: admin('held-roles', contactId), queryFn: async () => (await get<{ roles: HeldRole[] }>(`/api/v1/contacts/${enc(contactId)}/roles`)).roles });
}

export function useRoles() {
  return useQuery({ queryKey: admin('roles'), queryFn: async () => (await get<{ roles: AdminRole[] }>('/api/v1/roles')).roles });
}

export type RoleBody = Partial<Pick<AdminRole, 'tenantId' | 'slug' | 'name' | 'read' | 'write' | 'mayWritePublic' | 'permissions' | 'partitions'>>;

export function useRoleActions() {
  return {
    create: useChange(admin('roles'), (body: RoleBody) => api<AdminRole>('POST', '/api/v1/roles', body)),
    update: useChange(admin('roles'), ({ id, body }: { id: string; body: RoleBody }) => api<AdminRole>('PATCH', `/api/v1/roles/${enc(id)}`, body)),
  };
}

export function useMailboxes() {
  return useQuery({ queryKey: admin('mailboxes'), queryFn: async () => (await get<{ mailboxes: Mailbox[] }>('/api/v1/mailboxes')).mailboxes });
}

export function useMailboxActions() {
  return {
    create: useChange(admin('mailboxes'), (body: Record<string, unknown>) => api<Mailbox>('POST', '/api/v1/mailboxes', body)),
    remove: useChange(admin('mailboxes'), (id: string) => api<void>('DELETE', `/api/v1/mailboxes/${enc(id)}`)),
  };
}

export function useSsoConnections() {
  return useQuery({ queryKey: admin('sso'), queryFn: async () => (await get<{ connections: SsoConnection[] }>('/api/v1/sso/connections')).connections });
}

export function useSsoActions() {
  return {
    create: useChange(admin('sso'), (body: Record<string, unknown>) => api<SsoConnection>('POST', '/api/v1/sso/connections', body)),
    update: useChange(admin('sso'), ({ id, body }: { id: string; body: Record<string, unknown> }) => api<SsoConnection>('PATCH', `/api/v1/sso/connections/${enc(id)}`, body)),
    remove: useChange(admin('sso'), (id: string) => api<void>('DELETE', `/api/v1/sso/connections/${enc(id)}`)),
  };
}

export function useWebhooks() {
  return useQuery({ queryKey: admin('webhooks'), queryFn: async () => (await get<{ webhooks: Webhook[] }>('/api/v1/webhooks')).webhooks });
}

export function useWebhookDeliveries(id: string) {
  return useQuery({ queryKey: admin('webhooks', id, 'deliveries'), queryFn: async () => (await get<{ deliveries: WebhookDelivery[] }>(`/api/v1/webhooks/${enc(id)}/deliveries`)).deliveries });
}

export function useWebhookActions() {
  const hooks = admin('webhooks');
  return {
    create: useChange(hooks, (body: Record<string, unknown>) => api<Webhook>('POST', '/api/v1/webhooks', body)),
    update: useChange(hooks, ({ id, body }: { id: string; body: Record<string, unknown> }) => api<Webhook>('PATCH', `/api/v1/webhooks/${enc(id)}`, body)),
    rotate: useChange(hooks, (id: string) => api<Webhook>('POST', `/api/v1/webhooks/${enc(id)}/rotate-secret`)),
    remove: useChange(hooks, (id: string) => api<void>('DELETE', `/api/v1/webhooks/${enc(id)}`)),
    redeliver: useChange(hooks, ({ id, deliveryId }: { id: string; deliveryId: string }) => api<WebhookDelivery>('POST', `/api/v1/webhooks/${enc(id)}/deliveries/${enc(deliveryId)}/redeliver`)),
  };
}

/** A tenant's mail templates (`tenant`: its slug, for a role writing several; undefined: its only one). */
export function useMailTemplates(tenant: string | undefined, enabled: boolean) {
  return useQuery({
    queryKey: admin('mail-templates', tenant ?? ''),
    queryFn: async () => (await get<{ templates: MailTemplate[] }>(`/api/v1/mail-templates${query({ tenant })}`)).templates,
    enabled,
  });
}

export function useMailTemplateActions(tenant: string | undefined) {
  const templates = admin('mail-templates');
  const path = (kind: MailTemplateKind) => `/api/v1/mail-templates/${enc(kind)}`;
  return {
    save: useChange(templates, ({ kind, subject, body }: { kind: MailTemplateKind; subject: string; body: string }) => api<MailTemplate>('PUT', path(kind), { subject, body, ...(tenant ? { tenant } : {}) })),
    reset: useChange(templates, (kind: MailTemplateKind) => api<void>('DELETE', `${path(kind)}${query({ tenant })}`)),
  };
}

/** A template's text rendered with sample values; it changes nothing, a mutation only because it is asked for with the text being edited. */
export function useMailTemplatePreview(tenant: string | undefined) {
  return useMutation({
    mutationFn: ({ kind, subject, body }: { kind: MailTemplateKind; subject: string; body: string }) =>
      api<MailPreview>('POST', `/api/v1/mail-templates/${enc(kind)}/preview${query({ tenant })}`, { subject, body }),
  });
}

/** Changes this host's branding; the whole page takes it at once (App applies the tenant's branding). */
export function useUpdateBranding() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: (body: BrandingChange) => api<TenantInfo>('PATCH', '/api/v1/tenant/branding', body),
    onSuccess: (tenant) => client.setQueryData(keys.tenant, tenant),
  });
}

export function useSpTenants() {
  return useQuery({ queryKey: admin('sp', 'tenants'), queryFn: async () => (await get<{ tenants: TenantEntry[] }>('/api/v1/sp/tenants')).tenants });
}

export function useSpTenantActions() {
  const tenants = admin('sp');
  const tenantPath = (slug: string) => `/api/v1/sp/tenants/${enc(slug)}`;
  return {
    create: useChange(tenants, (body: NewTenant) => api<TenantEntry>('POST', '/api/v1/sp/tenants', body)),
    update: useChange(tenants, ({ slug, body }: { slug: string; body: Record<string, unknown> }) => api<TenantEntry>('PATCH', tenantPath(slug), body)),
    setStatus: useChange(tenants, ({ slug, action }: { slug: string; action: 'suspend' | 'resume' }) => api<TenantEntry>('POST', `${tenantPath(slug)}/${action}`)),
    addHost: useChange(tenants, ({ slug, host }: { slug: string; host: string }) => api<TenantEntry>('POST', `${tenantPath(slug)}/hosts`, { host })),
    removeHost: useChange(tenants, ({ slug, host }: { slug: string; host: string }) => api<void>('DELETE', `${tenantPath(slug)}/hosts/${enc(host)}`)),
  };
}

export function useTenantGroups(maintained: boolean) {
  return useQuery({
    queryKey: admin('sp', 'groups', maintained),
    queryFn: async () => (await get<{ groups: TenantGroup[] }>(`/api/v1/sp/tenant-groups${maintained ? '?maintained=true' : ''}`)).groups,
  });
}

export function useTenantGroupActions() {
  const groups = admin('sp', 'groups');
  return {
    create: useChange(groups, (body: { slug: string; name: string; description?: string; members?: string[] }) => api<TenantGroup>('POST', '/api/v1/sp/tenant-groups', body)),
    update: useChange(groups, ({ slug, body }: { slug: string; body: { name?: string; description?: string; members?: string[] } }) => api<TenantGroup>('PATCH', `/api/v1/sp/tenant-groups/${enc(slug)}`, body)),
    remove: useChange(groups, (slug: string) => api<void>('DELETE', `/api/v1/sp/tenant-groups/${enc(slug)}`)),
  };
}

export function useTenancyState() {
  return useQuery({ queryKey: admin('sp', 'state'), queryFn: () => get<TenancyState>('/api/v1/sp/state'), refetchInterval: 10_000 });
}
