import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, afterEach, before } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AdminOptions } from '../../src/cli/admin-commands.ts';
import { adminSocketPath, sendAdminCommand } from '../../src/cli/admin-socket.ts';
import { DEMO_PASSWORD } from '../../src/demo/seed-demo.ts';
import { freePort } from '../support/net.ts';
import { chromiumBinary } from './chromium-binary.ts';
import { forgetTrouble, takeUnexpectedTrouble, watchContext } from './page-trouble.ts';
import { assertAccessible } from './accessibility.ts';

/*
 * What the browser tests stand on: the demo server as `npm start` runs it (its own process, a
 * fresh data directory, PGlite), and a real Chromium (chromium-binary.ts) driven by playwright-core.
 */

const root = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOTS = join(root, 'docs', 'screenshots');

export type DemoServer = { port: number; dataDir: string; url(host: string, path?: string): string; admin(command: string, options: AdminOptions): Promise<string>; stop(): Promise<void> };

/**
 * `node bin/tenantdesk.js start` on a free port and a new data directory, ready when /readyz says so;
 * `extraEnv` adds to or overrides its environment (a mail relay and the job runner, say).
 */
export async function startDemoServer(extraEnv: NodeJS.ProcessEnv = {}): Promise<DemoServer> {
  assert.ok(existsSync(join(root, 'web', 'dist', 'index.html')), 'the front end is not built: npm test builds it first (npm run build:web)');
  const dataDir = mkdtempSync(join(tmpdir(), 'tenantdesk-e2e-'));
  const port = await freePort();
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir(), HOST: '127.0.0.1', PORT: String(port), DATA_DIR: dataDir, LOG_LEVEL: 'warn', JOB_RUNNER: 'false', ...extraEnv };
  const child: ChildProcess = spawn(process.execPath, [join(root, 'bin', 'tenantdesk.js'), 'start'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.on('close', () => resolve()));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) assert.fail(`the server exited before it was ready: ${output}`);
    if (Date.now() > deadline) {
      // Stopped here, or the server (never returned to after()) keeps the test process alive forever.
      child.kill('SIGKILL');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
      assert.fail(`the server was not ready in time: ${output}`);
    }
    const ready = await fetch(`http://127.0.0.1:${port}/readyz`).then((r) => r.ok, () => false);
    if (ready && output.includes('demo is running')) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    port,
    dataDir,
    url: (host, path = '/') => `http://${host}:${port}${path}`,
    admin: async (command, options) => {
      const reply = await sendAdminCommand(adminSocketPath(dataDir), command, options);
      assert.equal(reply.error, undefined, `${command}: ${reply.error}`);
      return reply.output ?? '';
    },
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Chromium, headless, with the flags this machine needs: no sandbox (root), no GPU, and none of
 * Chromium's own network traffic (the network is closed). Playwright gives it a fresh profile
 * directory; every *.localhost name goes to this machine.
 */
export async function launchChromium(): Promise<Browser> {
  const binary = await chromiumBinary();
  const browser = await chromium.launch({
    executablePath: binary.path,
    env: { ...process.env, ...binary.env },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--host-resolver-rules=MAP *.localhost 127.0.0.1',
    ],
  });
  // Every page of every context is watched for console errors and failed requests (page-trouble.ts).
  const newContext = browser.newContext.bind(browser);
  browser.newContext = async (options) => watchContext(await newContext(options));
  return browser;
}

/**
 * Starts a demo server and a browser before the suite it is called in (both at once: they take
 * seconds each) and stops them after it; `setup` runs once both are up.
 */
export function demoAndBrowser(setup: (server: DemoServer, browser: Browser) => Promise<void>, extraEnv: NodeJS.ProcessEnv = {}): void {
  let server: DemoServer | undefined;
  let browser: Browser | undefined;
  before(async () => {
    const [started, launched] = await Promise.allSettled([startDemoServer(extraEnv), launchChromium()]);
    // Whichever came up is kept for after(), which stops it even when the other failed.
    if (started.status === 'fulfilled') server = started.value;
    if (launched.status === 'fulfilled') browser = launched.value;
    if (started.status === 'rejected') throw started.reason;
    if (launched.status === 'rejected') throw launched.reason;
    await setup(server!, browser!);
  });
  afterEach(() => {
    // A console error or a failed request that the test did not declare (expectTrouble) fails it.
    assert.deepEqual(takeUnexpectedTrouble(), [], 'the pages showed a console error or a failed request nobody expected');
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
  });
}

/** The answer a page gets, before anyone signs in, when it asks who is signed in. */
export const SIGNED_OUT = /^401 GET \/api\/v1\/me$/;

/** A signed-in browser session (its own cookies) of one demo login at its tenant's host; `locale` is the browser's own. */
export async function signedIn(browser: Browser, server: DemoServer, host: string, email: string, viewport = { width: 1280, height: 800 }, locale = 'en-GB'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport, locale });
  // Generous: the machine may be shared with other test runs, and every step waits on a real server.
  context.setDefaultTimeout(30_000);
  const page = await context.newPage();
  await page.goto(server.url(host));
  await page.getByLabel('Email address').fill(email);
  await page.getByLabel('Password').fill(DEMO_PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  forgetTrouble(page, SIGNED_OUT);
  return { context, page };
}

const SCREENSHOT_MAX_HEIGHT = 1400;

/** Saves a screenshot for the README (docs/screenshots/NAME.png), once axe-core finds the screen accessible. */
export async function screenshot(page: Page, name: string): Promise<void> {
  await assertAccessible(page, name);
  mkdirSync(SCREENSHOTS, { recursive: true });
  // The whole page, but no taller than the top of a long one: the README shows them, git keeps every version.
  const height = Math.min(SCREENSHOT_MAX_HEIGHT, await page.evaluate(() => document.documentElement.scrollHeight));
  const width = page.viewportSize()?.width ?? 1280;
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true, clip: { x: 0, y: 0, width, height }, animations: 'disabled', caret: 'hide' });
}

/** A call from the page itself (same origin, its session cookie): the browser resolves the demo's host names, Node does not. */
export async function apiIn(page: Page, method: string, path: string, body?: unknown): Promise<{ status: number; text: string }> {
  return page.evaluate(
    async ([m, p, b]) => {
      const res = await fetch(p as string, { method: m as string, headers: b ? { 'content-type': 'application/json' } : {}, ...(b ? { body: JSON.stringify(b) } : {}) });
      return { status: res.status, text: await res.text() };
    },
    [method, path, body] as const,
  );
}

export { expectTrouble } from './page-trouble.ts';
export { assertAccessible } from './accessibility.ts';
