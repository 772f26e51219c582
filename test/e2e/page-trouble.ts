import type { BrowserContext, Page } from 'playwright-core';

/*
 * Trouble a page shows: a console error, an uncaught exception, a request that failed or was
 * answered 4xx/5xx. Every page the harness's browser opens is watched; the harness fails each test
 * that leaves trouble it did not declare with expectTrouble, which names one page and narrow
 * patterns (method, status and path), valid until that test ends.
 */

const seen: { page: Page; line: string }[] = [];
const expected = new Map<Page, RegExp[]>();

/** Declares, for the current test, trouble this page is meant to show, e.g. /^401 POST \/api\/v1\/session$/. */
export function expectTrouble(page: Page, ...patterns: RegExp[]): void {
  expected.set(page, [...(expected.get(page) ?? []), ...patterns]);
}

/** Forgets the trouble this page showed so far that matches the pattern (a signed-out start once signed in, say). */
export function forgetTrouble(page: Page, pattern: RegExp): void {
  for (let i = seen.length - 1; i >= 0; i--) if (seen[i]!.page === page && pattern.test(seen[i]!.line)) seen.splice(i, 1);
}

/** The undeclared trouble since the last call, forgetting it and the declarations. */
export function takeUnexpectedTrouble(): string[] {
  const unexpected = seen.filter(({ page, line }) => !(expected.get(page) ?? []).some((pattern) => pattern.test(line))).map(({ line }) => line);
  seen.length = 0;
  expected.clear();
  return unexpected;
}

/** Watches every page the context opens; returns the context. */
export function watchContext(context: BrowserContext): BrowserContext {
  context.on('page', watchPage);
  return context;
}

const pathOf = (url: string) => {
  const parsed = new URL(url);
  return parsed.pathname + parsed.search;
};

function watchPage(page: Page): void {
  const note = (line: string) => seen.push({ page, line });
  page.on('pageerror', (error) => note(`uncaught ${error.name}: ${error.message}`));
  page.on('console', (message) => {
    // Chromium says "Failed to load resource" for every 4xx/5xx answer, which is noted below with its method and path.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource: the server responded')) note(`console: ${message.text()}`);
  });
  page.on('response', (response) => {
    if (response.status() >= 400) note(`${response.status()} ${response.request().method()} ${pathOf(response.url())}`);
  });
  page.on('requestfailed', (request) => {
    // A request the page itself cancelled (a navigation away, a superseded query) is no failure.
    const reason = request.failure()?.errorText ?? '';
    if (reason !== 'net::ERR_ABORTED') note(`failed ${request.method()} ${pathOf(request.url())}: ${reason}`);
  });
}
