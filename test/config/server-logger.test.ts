import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

/*
 * The server's log as a person and a machine get it (src/config/logger.ts): one coloured line per
 * entry on a terminal, JSON lines otherwise. The terminal is a real pseudo-terminal, made by
 * `script` (util-linux's bsdutils, an essential package of every Debian).
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const logOnce = `import('./src/config/logger.ts').then(async ({ createServerLogger }) => (await createServerLogger({ logLevel: 'info', logFormat: process.env.LOG_FORMAT ?? 'auto' })).info({ tenant: 'acme' }, 'desk ready'))`;
const node = [process.execPath, '--import', 'tsx', '-e', logOnce];

describe('the server log', () => {
  it('is JSON, one object a line, when stdout is not a terminal', () => {
    const run = spawnSync(node[0]!, node.slice(1), { cwd: root, encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'auto' } });
    assert.equal(run.status, 0, run.stderr);
    const entry = JSON.parse(run.stdout.trim()) as Record<string, unknown>;
    assert.equal(entry.msg, 'desk ready');
    assert.equal(entry.tenant, 'acme');
  });

  it('is one coloured line a person reads on a terminal', () => {
    const command = node.map((arg) => `'${arg.replace(/'/g, `'\\''`)}'`).join(' ');
    const run = spawnSync('script', ['-qec', command, '/dev/null'], { cwd: root, encoding: 'utf8', env: { ...process.env, LOG_FORMAT: 'auto' } });
    assert.equal(run.error, undefined, 'script (util-linux) is needed to make a terminal: apt-get install bsdutils');
    assert.equal(run.status, 0, run.stdout);
    const lines = run.stdout.split(/\r?\n/).filter(Boolean);
    assert.equal(lines.length, 1, `one line for the entry, its fields included: ${run.stdout}`);
    assert.match(lines[0]!, /desk ready.*"tenant":"acme"/);
    assert.ok(!lines[0]!.trimStart().startsWith('{'), lines[0]);
    assert.match(lines[0]!, /\x1b\[\d+m/, 'coloured');
    assert.match(lines[0]!, /^\[\d\d:\d\d:\d\d\]/, 'the time first');
  });
});
