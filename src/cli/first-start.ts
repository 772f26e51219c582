import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Config } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import type { CliIo } from './io.ts';

/** The hidden command the server runs in a child process to build a new embedded database. */
export const PREPARE_COMMAND = 'prepare-embedded';

/**
 * Whether the server's first step should be a child process: an embedded database that does not
 * exist yet. Creating it (every migration, then the demo's seeding) grows PGlite's WebAssembly
 * memory to several hundred MB, and WebAssembly memory is never given back; done in a child, that
 * memory goes with the child, and the server opens a finished database at its resting size
 * (bench/README.md, "Server memory"; decision 0100). PostgreSQL (DATABASE_URL) has no such cost.
 */
export function needsFirstStartChild(config: Config): boolean {
  return !config.databaseUrl && !existsSync(join(resolve(config.dataDir), 'pglite', 'PG_VERSION'));
}

/** Runs `prepare-embedded` in a child (the same node, loader and entry point as this process); rejects unless it exits 0. */
export function prepareInChild(io: CliIo, demo: boolean): Promise<void> {
  const args = [...process.execArgv, process.argv[1]!, PREPARE_COMMAND, ...(demo ? ['--demo'] : [])];
  return new Promise((done, fail) => {
    // The child's log lines go to this process's terminal as they are (coloured on a terminal).
    const child = spawn(process.execPath, args, { env: io.env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.once('error', fail);
    child.once('exit', (code, signal) => (code === 0 ? done() : fail(new Error(`creating the embedded database failed (${signal ?? `exit ${code}`})`))));
  });
}

/** The child's work: migrate (as opening the runtime does) and, for the demo, seed; then close. */
export async function prepareEmbedded(config: Config, log: Logger, demo: boolean): Promise<void> {
  const [{ openRuntime }, { seedDemo }] = await Promise.all([import('./runtime.ts'), import('../demo/seed-demo.ts')]);
  const rt = await openRuntime(config, log);
  try {
    if (demo && (await seedDemo(rt.shards, rt.settings, rt.log))) rt.log.info('demo tenants seeded');
  } finally {
    await rt.catalog.close();
    await rt.shards.close();
    await rt.database.close();
  }
}
