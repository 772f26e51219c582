import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { embeddedIPv4, parseAddressPolicy, PUBLIC_ONLY, refusal } from '../../src/net/address-policy.ts';
import { REFUSED } from './refused-addresses.ts';


describe('the address policy', () => {
  for (const [address, range] of REFUSED) {
    it(`refuses ${address} by default, naming ${range}`, () => {
      assert.equal(refusal(PUBLIC_ONLY, address)?.cidr, range, `${address} must be refused`);
    });
  }

  it('lets public addresses through, IPv4 and IPv6, mapped or not', () => {
    for (const address of ['93.184.216.34', '8.8.8.8', '100.128.0.1', '172.32.0.1', '192.169.0.1', '2606:4700::1111', '::ffff:93.184.216.34']) {
      assert.equal(refusal(PUBLIC_ONLY, address), undefined, address);
    }
  });

  it('lets through exactly what OUTBOUND_ALLOW names: ranges, addresses, both families', () => {
    const policy = parseAddressPolicy('127.0.0.0/8, ::1 10.20.0.0/16,192.168.1.5 fd00::/8');
    for (const address of ['127.0.0.1', '::ffff:127.0.0.1', '::1', '10.20.3.4', '192.168.1.5', 'fd00::25']) assert.equal(refusal(policy, address), undefined, address);
    for (const address of ['10.21.0.1', '192.168.1.6', '169.254.169.254', 'fe80::1', 'fc00::1']) assert.ok(refusal(policy, address), address);
  });

  it('reads host names as trusted names, and refuses a malformed entry naming it', () => {
    assert.deepEqual([...parseAddressPolicy('Mail.Corp.Internal., relay').hosts], ['mail.corp.internal', 'relay']);
    for (const bad of ['10.0.0.0/33', '::1/129', '10.0.0.0/8/1', 'under_score.example', 'http://x', '10.0.0.0/x']) {
      assert.throws(() => parseAddressPolicy(bad), (error: Error) => error.message.includes(`"${bad}"`), bad);
    }
  });

  it('finds the IPv4 address inside mapped, NAT64 and 6to4 addresses', () => {
    assert.equal(embeddedIPv4('::ffff:127.0.0.1'), '127.0.0.1');
    assert.equal(embeddedIPv4('64:ff9b::7f00:1'), '127.0.0.1');
    assert.equal(embeddedIPv4('2002:0a00:0001::'), '10.0.0.1');
    assert.equal(embeddedIPv4('2606:4700::1111'), undefined);
    assert.equal(embeddedIPv4('10.0.0.1'), undefined);
  });
});
