import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { plainOidcError } from '../../src/identity/sso/oidc-client.ts';
import { OutboundError } from '../../src/net/guarded-connect.ts';

/** The sentences a refused sign-in shows, from the messages openid-client (oauth4webapi) throws for each check. */
describe('single sign-on errors said plainly', () => {
  const connection = { name: 'Acme Login', issuer: 'https://login.acme.example' };
  const cases: [Error, string, RegExp][] = [
    [new Error('unexpected JWT "aud" (audience) claim value'), 'UNAUTHENTICATED', /^Token audience mismatch/],
    [new Error('unexpected ID Token "azp" (authorized party) claim value'), 'UNAUTHENTICATED', /^Token audience mismatch/],
    [new Error('unexpected JWT "iss" (issuer) claim value'), 'UNAUTHENTICATED', /^Token issuer mismatch/],
    [new Error('unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp'), 'UNAUTHENTICATED', /has expired/],
    [new Error('JWT timestamp claim value failed validation', { cause: new Error('unexpected JWT "exp" (expiration time) claim value, expiration is past current timestamp') }), 'UNAUTHENTICATED', /has expired/],
    [new Error('unexpected JWT claim value encountered', { cause: new Error('unexpected JWT "aud" (audience) claim value') }), 'UNAUTHENTICATED', /^Token audience mismatch/],
    [new Error('unexpected ID Token "nonce" claim value'), 'UNAUTHENTICATED', /^Token nonce mismatch/],
    [new Error('JWS signature verification failed'), 'UNAUTHENTICATED', /signature could not be verified/],
    [new OutboundError('OUTBOUND_REFUSED', 'The identity provider address 10.0.0.1 is in a private range.'), 'SERVICE_UNAVAILABLE', /^Issuer unreachable: Acme Login .*private range/],
    [Object.assign(new Error('"response" content-type must be application/json'), { code: 'OAUTH_RESPONSE_IS_NOT_JSON' }), 'SERVICE_UNAVAILABLE', /^Issuer unreachable: .*no valid OpenID Connect discovery document/],
  ];
  for (const [error, code, message] of cases) {
    it(`says "${message.source}" for: ${error.message.slice(0, 60)}`, () => {
      const plain = plainOidcError(error, connection);
      assert.equal(plain.code, code);
      assert.match(plain.message, message);
      assert.doesNotMatch(plain.message, /\n\s+at /, 'no stack');
    });
  }
});
