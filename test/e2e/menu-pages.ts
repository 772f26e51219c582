import type { Page } from 'playwright-core';
import type { DemoServer } from './harness.ts';

/**
 * The paths a signed-in page offers in its top menu and, on /admin, in the administration menu;
 * plus the first ticket it lists. The walks over every page (accessibility, French) start here.
 */
export async function menuPages(page: Page, server: DemoServer, host: string, home: string): Promise<string[]> {
  const hrefs = (selector: string) => page.locator(selector).evaluateAll((links) => links.map((a) => a.getAttribute('href') ?? ''));
  await page.goto(server.url(host, home));
  await page.locator('main').waitFor();
  await page.waitForLoadState('networkidle');
  const firstTicket = (await hrefs('tr[data-ticket] a[href^="/tickets/"]'))[0];
  const menu = await hrefs('.topbar .nav a');
  const paths = new Set([...menu, ...(firstTicket ? [firstTicket] : [])]);
  if (menu.includes('/admin')) {
    await page.goto(server.url(host, '/admin'));
    for (const path of await hrefs('.admin-nav a')) paths.add(path);
  }
  return [...paths];
}
