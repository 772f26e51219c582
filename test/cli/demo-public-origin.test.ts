import { test } from 'node:test';
import assert from 'node:assert/strict';
import { demoPublicOrigin } from '../../src/cli/program.ts';
import { loadConfig } from '../../src/config/config.ts';

// The demo is browsed over plain http on PORT: the links it mails must lead there (decision 0135).
test('the demo mails links to http on its own port, unless the public origin is given', () => {
  const demo = loadConfig(demoPublicOrigin({ PORT: '9090' }));
  assert.equal(demo.publicScheme, 'http');
  assert.deepEqual(demo.mail.publicOrigin, { scheme: 'http', port: 9090 });
  assert.deepEqual(loadConfig(demoPublicOrigin({})).mail.publicOrigin, { scheme: 'http', port: 8080 });
  const given = loadConfig(demoPublicOrigin({ PORT: '9090', PUBLIC_SCHEME: 'https', PUBLIC_PORT: '443' }));
  assert.deepEqual(given.mail.publicOrigin, { scheme: 'https', port: 443 });
  assert.equal(loadConfig({}).publicScheme, 'https', 'serve keeps https by default');
});
