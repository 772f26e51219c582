#!/usr/bin/env node
// `npm start` and `npm run serve`: builds what changed since the last build (scripts/build.mjs), in
// this process rather than a second node before it, then runs the server bundle here.
// Usage: node scripts/start.mjs start|serve
import { fileURLToPath } from 'node:url';
import { buildWhatChanged } from './build.mjs';

try {
  await buildWhatChanged();
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
}
const main = fileURLToPath(new URL('../dist/server/main.mjs', import.meta.url));
// The entry point as the bundle's own: a first start's child process (src/cli/first-start.ts) runs it directly.
process.argv[1] = main;
await import(main);
