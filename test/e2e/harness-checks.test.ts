import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { assertAccessible, expectTrouble, launchChromium } from './harness.ts';
import { takeUnexpectedTrouble } from './page-trouble.ts';

/*
 * The harness's own checks, on pages the browser is handed directly (no server): trouble a page
 * shows is caught unless declared, and axe-core refuses a page with a serious violation.
 */

const PAGE = 'http://checks.localhost/';

async function pageServing(browser: Browser, html: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await page.route('**/*', (route) =>
    route.request().url() === PAGE ? route.fulfill({ contentType: 'text/html', body: html }) : route.fulfill({ status: 404, body: 'none' }),
  );
  return page;
}

describe('the e2e harness', { timeout: 60_000 }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser.close();
  });

  it('catches a console error, an uncaught exception and a failed request, unless the test declared them', async () => {
    takeUnexpectedTrouble();
    const page = await pageServing(browser, `<!doctype html><html lang="en"><title>t</title><body><main><h1>t</h1>
      <script>console.error('boom'); fetch('/missing'); setTimeout(() => { throw new Error('thrown') });</script></main></body></html>`);
    await page.goto(PAGE);
    await page.waitForLoadState('networkidle');
    assert.deepEqual(takeUnexpectedTrouble().sort(), ['404 GET /missing', 'console: boom', 'uncaught Error: thrown']);

    expectTrouble(page, /^404 GET \/missing$/);
    await page.reload();
    await page.waitForLoadState('networkidle');
    assert.deepEqual(takeUnexpectedTrouble().sort(), ['console: boom', 'uncaught Error: thrown'], 'only what was declared is let through');
    await page.context().close();
  });

  it('refuses a page with a serious accessibility violation, and passes a clean one', async () => {
    const page = await pageServing(browser, '<!doctype html><html lang="en"><title>t</title><body><main><h1>t</h1><button></button></main></body></html>');
    await page.goto(PAGE);
    await assert.rejects(assertAccessible(page, 'planted'), /critical button-name/);
    await page.setContent('<!doctype html><html lang="en"><title>t</title><body><main><h1>t</h1><button>Go</button></main></body></html>');
    await assertAccessible(page, 'clean');
    await page.context().close();
    takeUnexpectedTrouble();
  });
});
