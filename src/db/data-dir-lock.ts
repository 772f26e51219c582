import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * PGlite serves one process per data directory; a second process opening it would corrupt it.
 * This lock file records which process holds the directory and where it takes admin commands.
 */
export type LockHolder = { pid: number; adminSocket: string | undefined };

export class DataDirLockedError extends Error {
  constructor(readonly dataDir: string, readonly holder: LockHolder) {
    super(
      `The embedded database in ${dataDir} is in use by process ${holder.pid}. ` +
        `Stop that process first, or run administrative commands while it runs (they are sent to it).`,
    );
  }
}

const lockPath = (dir: string) => join(dir, 'tenantdesk.lock');

// Directories this process holds. A lock naming our own pid that is not in here was left by an
// earlier process that had the same pid (a container's server is often pid 1): it is stale.
const heldHere = new Set<string>();

export function readLock(dir: string): LockHolder | undefined {
  try {
    const holder = JSON.parse(readFileSync(lockPath(dir), 'utf8')) as LockHolder;
    return isAlive(holder.pid) ? holder : undefined;
  } catch {
    return undefined;
  }
}

/** Takes the lock or throws DataDirLockedError; a lock left by a dead process is taken over. */
export function acquireLock(dir: string): { setAdminSocket(path: string): void; release(): void } {
  mkdirSync(dir, { recursive: true });
  const path = lockPath(dir);
  const mine = (adminSocket: string | undefined) => JSON.stringify({ pid: process.pid, adminSocket });
  for (;;) {
    try {
      // 'wx' creates the file only if it does not exist, so two starting processes cannot both win.
      writeFileSync(path, mine(undefined), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const held = readLock(dir);
      if (held && (held.pid !== process.pid || heldHere.has(path))) throw new DataDirLockedError(dir, held);
      rmSync(path, { force: true });
    }
  }
  heldHere.add(path);
  return {
    setAdminSocket: (adminSocket) => writeFileSync(path, mine(adminSocket)),
    release: () => {
      heldHere.delete(path);
      rmSync(path, { force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
