import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { acquireLock, DataDirLockedError } from '../../src/db/data-dir-lock.ts';

it('takes over a lock left by an earlier process that had our pid', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-lock-'));
  writeFileSync(join(dir, 'tenantdesk.lock'), JSON.stringify({ pid: process.pid }));
  const lock = acquireLock(dir);
  assert.throws(() => acquireLock(dir), DataDirLockedError, 'but never lets one process hold the directory twice');
  lock.release();
});

it('refuses a directory held by another live process', () => {
  const dir = mkdtempSync(join(tmpdir(), 'td-lock-'));
  writeFileSync(join(dir, 'tenantdesk.lock'), JSON.stringify({ pid: process.ppid }));
  assert.throws(() => acquireLock(dir), DataDirLockedError);
});
