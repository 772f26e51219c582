import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { mailSender, senderDomainAllowed } from '../../src/mail/sender-address.ts';
import type { TenantInfo } from '../../src/tenancy/catalog/snapshot.ts';

const tenant = (slug: string, o: Partial<TenantInfo> = {}): TenantInfo => ({ id: slug.length, slug, name: `${slug[0]!.toUpperCase()}${slug.slice(1)}`, status: 'active', parentId: null, isServiceProvider: false, shard: 'pool', epoch: 0, branding: {}, ...o });
const config = { defaultFrom: 'desk@provider.example', senderDomains: ['provider.example', 'northwind.test'] };
const sp = tenant('northwind', { isServiceProvider: true });
const acme = tenant('acme', { senderDomains: ['acme.example'] });
// A tenant with an installation domain recorded for it (a row from before the rule, or config changed later).
const sneaky = tenant('sneaky', { senderDomains: ['northwind.test', 'sneaky.example'] });

describe('who outgoing mail says it is from', () => {
  it('lets a tenant use the domains verified for it, the service provider the installation’s, and nobody anything else', () => {
    assert.equal(senderDomainAllowed(acme, 'ACME.example', config.senderDomains), true);
    assert.equal(senderDomainAllowed(acme, 'sub.acme.example', config.senderDomains), false, 'exact domains only');
    assert.equal(senderDomainAllowed(acme, 'northwind.test', config.senderDomains), false);
    assert.equal(senderDomainAllowed(acme, 'sneaky.example', config.senderDomains), false, "another tenant's domain");
    assert.equal(senderDomainAllowed(sneaky, 'northwind.test', config.senderDomains), false, 'never an installation domain, even if recorded');
    assert.equal(senderDomainAllowed(sp, 'northwind.test', config.senderDomains), true);
    assert.equal(senderDomainAllowed(sp, 'acme.example', config.senderDomains), false);
    assert.equal(senderDomainAllowed(undefined, 'acme.example', config.senderDomains), false);
  });

  it("sends from the mailbox's verified address, else from the installation's under the tenant's name with Reply-To", () => {
    const mailbox = { address: 'support@acme.example', name: 'Acme Support', from_address: null };
    assert.deepEqual(mailSender(acme, mailbox, config), { from: { name: 'Acme Support', address: 'support@acme.example' } });
    assert.deepEqual(mailSender(acme, { ...mailbox, from_address: 'security@northwind.test' }, config), { from: { name: 'Acme Support', address: 'support@acme.example' } });
    assert.deepEqual(mailSender(tenant('globex'), { address: 'help@globex.example', name: '', from_address: null }, config), { from: { name: 'Globex', address: 'desk@provider.example' }, replyTo: 'help@globex.example' });
    assert.deepEqual(mailSender(sneaky, { address: 'security@northwind.test', name: 'Security', from_address: null }, config), { from: { name: 'Security', address: 'desk@provider.example' }, replyTo: 'security@northwind.test' });
    assert.deepEqual(mailSender(acme, undefined, config), { from: { name: 'Acme', address: 'desk@provider.example' } });
    assert.deepEqual(mailSender(sp, { address: 'support@northwind.test', name: 'Northwind', from_address: null }, config), { from: { name: 'Northwind', address: 'support@northwind.test' } });
  });
});
