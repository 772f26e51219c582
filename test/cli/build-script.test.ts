import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { cleanEnv, root } from '../support/cli.ts';

/**
 * What `npm start` runs before serving (scripts/build.mjs): the server bundled once, not again while
 * its sources are unchanged, and the bundle a working `tenantdesk` without tsx.
 */
const run = (args: string[], env: Record<string, string> = {}) => {
  const result = spawnSync(process.execPath, args, { cwd: root, env: cleanEnv(env), encoding: 'utf8', timeout: 180_000 });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('the build behind npm start', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-bundle-'));
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  it('bundles the server, then does nothing while src/ is unchanged', () => {
    const first = run(['scripts/build.mjs', '--server']);
    assert.equal(first.code, 0, first.stderr);
    const stamp = join(root, 'dist/server/.inputs-sha256');
    const entry = join(root, 'dist/server/main.mjs');
    const built = { stamp: readFileSync(stamp, 'utf8'), entryTime: statSync(entry).mtimeMs };
    const second = run(['scripts/build.mjs', '--server']);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(second.stdout, '', 'an up-to-date build prints nothing and builds nothing');
    assert.equal(readFileSync(stamp, 'utf8'), built.stamp);
    assert.equal(statSync(entry).mtimeMs, built.entryTime);
  });

  it('builds nothing for a source touched but unchanged, and renews the stamp of names, sizes and times', () => {
    assert.equal(run(['scripts/build.mjs', '--server']).code, 0);
    const quick = join(root, 'dist/server/.inputs-stat');
    const entry = join(root, 'dist/server/main.mjs');
    const before = { quick: readFileSync(quick, 'utf8'), entryTime: statSync(entry).mtimeMs };
    const later = new Date(Date.now() + 5000);
    utimesSync(join(root, 'src/errors.ts'), later, later);
    const touched = run(['scripts/build.mjs', '--server']);
    assert.equal(touched.code, 0, touched.stderr);
    assert.equal(touched.stdout, '', 'same contents: no build');
    assert.equal(statSync(entry).mtimeMs, before.entryTime);
    assert.notEqual(readFileSync(quick, 'utf8'), before.quick, 'the next check matches the new time without reading the files');
  });

  it('npm start\'s launcher (scripts/start.mjs) checks the build in its own process and runs the bundle with its arguments', () => {
    const help = run(['scripts/start.mjs', '--help']);
    assert.equal(help.code, 0, help.stderr);
    assert.equal(help.stdout, run(['dist/server/main.mjs', '--help']).stdout);
    assert.match(help.stdout, /^Usage: tenantdesk/m);
  });

  it('runs as plain JavaScript from dist/server, finding migrations/ from there', () => {
    const created = run(['dist/server/main.mjs', 'tenant', 'create', '--slug', 'bundled', '--name', 'Bundled', '--host', 'bundled.localhost'], { DATA_DIR: dataDir });
    assert.equal(created.code, 0, created.stderr);
    const listed = run(['dist/server/main.mjs', 'tenant', 'list'], { DATA_DIR: dataDir });
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stdout, /^bundled\tBundled\t/m);
  });
});
