import type { Choice } from '../api/types.ts';
import type { MessageKey } from './messages.ts';

/**
 * The public rows every tenant starts with, by the English names the installation seeds them
 * with (migrations 0003, 0004, 0011, 0032), said in the reader's language. Rows carry no
 * translation of their own and nobody renames the public ones; a row a tenant made, or one
 * renamed, is shown as it was named.
 */
const PUBLIC_NAMES: Readonly<Record<string, MessageKey>> = {
  Low: 'priority.low',
  Normal: 'priority.normal',
  High: 'priority.high',
  Urgent: 'priority.urgent',
  Open: 'state.open',
  Pending: 'state.pending',
  Resolved: 'state.resolved',
  Closed: 'state.closed',
  'Other request': 'public.helpTopic.other',
  Standard: 'public.slaPlan.standard',
  'Service-provider administrator': 'public.role.spAdmin',
  'Service-provider agent': 'public.role.spAgent',
  'Tenant administrator': 'public.role.tenantAdmin',
  Agent: 'public.role.agent',
  Customer: 'public.role.customer',
};

/** A row's name in the reader's language when it is a public default (no tenant, or none known). */
export function publicName(t: (key: MessageKey) => string, name: string, tenant?: string | null): string {
  const key = tenant ? undefined : PUBLIC_NAMES[name];
  return key ? t(key) : name;
}

/** A choice's label in the reader's language, where the desk knows the row. */
export function choiceLabel(t: (key: MessageKey) => string, choice: Choice): string {
  return publicName(t, choice.label, choice.tenant);
}

/** The public roles from the least to the most they may do; a tenant's own roles follow, by name. */
const ROLE_ORDER = ['customer', 'agent', 'tenant-admin', 'sp-agent', 'sp-admin'];

/** Roles as a choice list: by what they give, not alphabetically. */
export function inRoleOrder<R extends { slug: string; name: string }>(roles: readonly R[]): R[] {
  const rank = (r: R) => (ROLE_ORDER.includes(r.slug) ? ROLE_ORDER.indexOf(r.slug) : ROLE_ORDER.length);
  return [...roles].sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
}
