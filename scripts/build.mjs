#!/usr/bin/env node
// Builds what `npm start` and `npm test` run, and only what changed since the last build: the web
// front end (Vite, into web/dist) and the server (esbuild, into dist/server, so that the server runs
// as plain JavaScript instead of through tsx's loader, which costs memory and start-up time).
// Each output keeps a hash of the files it was built from; same hash, no build. scripts/start.mjs
// imports `buildWhatChanged` to check in the server's own process (`npm start` runs no second node).
// Usage: node scripts/build.mjs [--web] [--server]   (neither: both)
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const STAMP = '.inputs-sha256';
/** The inputs' names, sizes and modification times when the stamp was written (decision 0100). */
const QUICK_STAMP = '.inputs-stat';

/** Every file under `paths` (folders walked in name order), skipping `skip` folder names. */
function filesUnder(paths, skip) {
  const out = [];
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (!skip.includes(entry.name)) walk(full);
      } else out.push(full);
    }
  };
  for (const p of paths) {
    const full = join(root, p);
    if (!existsSync(full)) continue;
    if (statSync(full).isDirectory()) walk(full);
    else out.push(full);
  }
  return out;
}

function contentHash(files) {
  const hash = createHash('sha256');
  for (const file of files) hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  return hash.digest('hex');
}

/** Names, sizes and mtimes only: no file is read. A fresh clone changes every mtime, so it is only a shortcut. */
function statHash(files) {
  const hash = createHash('sha256');
  for (const file of files) {
    const { size, mtimeMs } = statSync(file);
    hash.update(`${relative(root, file)}\0${size}\0${mtimeMs}\0`);
  }
  return hash.digest('hex');
}

const readIfThere = (file) => (existsSync(file) ? readFileSync(file, 'utf8') : undefined);

/**
 * Runs `build` unless `outDir` holds the stamp of the same inputs; writes the stamps after. Same
 * names, sizes and mtimes as at the last build: no file is read. Otherwise the contents decide (a
 * touched but unchanged file, a fresh clone), and the quick stamp is renewed when they match.
 */
async function buildIfChanged(name, { inputs, skip = [], outDir, build }) {
  const files = filesUnder(inputs, skip);
  const stampFile = join(root, outDir, STAMP);
  const quickFile = join(root, outDir, QUICK_STAMP);
  const quick = statHash(files);
  const stamp = readIfThere(stampFile);
  if (stamp !== undefined && readIfThere(quickFile) === quick) return;
  const hash = contentHash(files);
  if (stamp !== hash) {
    const started = Date.now();
    await build();
    writeFileSync(stampFile, hash);
    console.log(`${name} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
  writeFileSync(quickFile, quick);
}

const web = () =>
  buildIfChanged('web front end', {
    inputs: ['web', 'package-lock.json'],
    skip: ['dist', 'node_modules'],
    outDir: 'web/dist',
    build: async () => {
      const vite = spawnSync(process.execPath, [join(root, 'node_modules/vite/bin/vite.js'), 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn'], { cwd: root, stdio: 'inherit' });
      if (vite.status !== 0) throw new Error(`vite build failed (exit ${vite.status})`);
    },
  });

const server = () =>
  buildIfChanged('server', {
    inputs: ['src', 'package-lock.json'],
    outDir: 'dist/server',
    build: async () => {
      const { build } = await import('esbuild');
      rmSync(join(root, 'dist/server'), { recursive: true, force: true });
      await build({
        absWorkingDir: root,
        entryPoints: ['src/cli/main.ts'],
        bundle: true,
        // Packages stay in node_modules, loaded by Node as they are; only our own code is bundled.
        packages: 'external',
        platform: 'node',
        format: 'esm',
        target: 'node20',
        // The CLI loads most commands on demand: each stays a chunk of its own, loaded when used.
        splitting: true,
        outdir: 'dist/server',
        outExtension: { '.js': '.mjs' },
        sourcemap: true,
        logLevel: 'warning',
      });
    },
  });

/** Builds the front end and the server where their sources changed (`web`/`server`: only that one). */
export async function buildWhatChanged({ web: doWeb = true, server: doServer = true } = {}) {
  if (doWeb) await web();
  if (doServer) await server();
}

if (process.argv[1] && fileURLToPath(import.meta.url) === realpathSync(process.argv[1])) {
  const args = process.argv.slice(2);
  const all = !args.includes('--web') && !args.includes('--server');
  try {
    await buildWhatChanged({ web: all || args.includes('--web'), server: all || args.includes('--server') });
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
