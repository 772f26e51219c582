import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { newWebhookSecret, verifyWebhook, webhookHeaders, webhookSignature } from '../../src/webhooks/standard-webhooks.ts';

describe('Standard Webhooks signatures', () => {
  it('signs as the specification’s example says', () => {
    // The example of the Standard Webhooks reference libraries.
    const signature = webhookSignature('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}');
    assert.equal(signature, 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
  });

  it('verifies its own headers, and refuses another secret, another body or another timestamp', () => {
    const secret = newWebhookSecret();
    assert.match(secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    const headers = webhookHeaders(secret, 'evt_1', 1700000000, '{"a":1}');
    assert.ok(verifyWebhook(secret, headers, '{"a":1}'));
    assert.ok(verifyWebhook(secret, { ...headers, 'webhook-signature': `v1,bogus ${headers['webhook-signature']!}` }, '{"a":1}'), 'one of several signatures');
    assert.ok(!verifyWebhook(newWebhookSecret(), headers, '{"a":1}'));
    assert.ok(!verifyWebhook(secret, headers, '{"a":2}'));
    assert.ok(!verifyWebhook(secret, { ...headers, 'webhook-timestamp': '1700000001' }, '{"a":1}'));
  });
});
