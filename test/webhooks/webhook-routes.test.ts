import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CatalogSnapshot, type TenantInfo, type WebhookRoute } from '../../src/tenancy/catalog/snapshot.ts';
import { DEFAULT_TENANCY } from '../../src/tenancy/settings.ts';
import { routesFor } from '../../src/webhooks/webhook-routes.ts';

const tenant = (id: number, slug: string, groups: number[] = []): TenantInfo => ({ id, slug, name: slug, status: 'active', parentId: null, isServiceProvider: id === 1, shard: 'pool', epoch: 1, branding: {}, groups });
const route = (subscriptionId: string, tenantId: number, extra: Partial<WebhookRoute> = {}): WebhookRoute => ({ subscriptionId, tenantId, events: ['ticket.created'], active: true, scope: 'tenant', ...extra });
const allReadable = (subscriptionId: string, read: WebhookRoute['read']) => route(subscriptionId, 1, { scope: 'all-readable', read });

const snapshot = new CatalogSnapshot(1, [tenant(1, 'sp'), tenant(2, 'acme', [10]), tenant(3, 'globex'), tenant(4, 'acme-branch', [10])], [], [
  route('acme-own', 2),
  route('acme-off', 2, { active: false }),
  route('acme-notes', 2, { events: ['thread.note_added'] }),
  allReadable('sp-group', { kind: 'group', tenantId: null, groupId: 10 }),
  allReadable('sp-globex', { kind: 'tenant', tenantId: 3, groupId: null }),
  allReadable('sp-all', { kind: 'all', tenantId: null, groupId: null }),
]);
const ids = (tenantId: number, settings = DEFAULT_TENANCY) => routesFor(snapshot, settings, tenantId, 'ticket.created').map((r) => r.subscriptionId).sort();

it('feeds a tenant’s own active subscriptions that asked for the event, and the provider’s that read the tenant', () => {
  assert.deepEqual(ids(2), ['acme-own', 'sp-all', 'sp-group']);
  assert.deepEqual(ids(4), ['sp-all', 'sp-group'], 'a subtenant in the group is read; acme’s own subscription is acme’s alone');
});

it('never feeds a provider subscription whose access does not read the tenant', () => {
  assert.deepEqual(ids(3), ['sp-all', 'sp-globex']);
  assert.deepEqual(ids(99), [], 'a tenant the catalog does not know');
});

it('with tenancy not enforced, reads every tenant, as the role itself would', () => {
  assert.deepEqual(ids(3, { ...DEFAULT_TENANCY, state: 'setup' }), ['sp-all', 'sp-globex', 'sp-group']);
});

it('costs a tenant with no route nothing: an empty list, from memory', () => {
  assert.deepEqual(routesFor(new CatalogSnapshot(1, [tenant(2, 'acme')], []), DEFAULT_TENANCY, 2, 'ticket.created'), []);
});
