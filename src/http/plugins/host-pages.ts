import { DEMO_PASSWORD, demoLogins } from '../../demo/seed-demo.ts';

/** Text made safe inside HTML: the host a page names comes from the request. */
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const page = (title: string, body: string) =>
  `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(title)}</title></head><body><main>${body}</main></body></html>`;

/**
 * What `npm start` shows at an address that is no desk's, such as http://localhost:8080/: the demo's
 * desks and logins, so that a newcomer's first page leads somewhere. The links use the port the
 * request came to.
 */
export function demoLandingPage(port: number): string {
  const byUrl = new Map<string, string[]>();
  for (const login of demoLogins(port)) byUrl.set(login.url, [...(byUrl.get(login.url) ?? []), `${login.email} (${login.role})`]);
  const desks = [...byUrl].map(([url, logins]) => `<li><a href="${escapeHtml(url)}">${escapeHtml(url)}</a>: ${logins.map(escapeHtml).join(', ')}</li>`).join('');
  return page(
    'TenantDesk demo',
    `<h1>TenantDesk demo</h1><p>Each help desk of this demo has its own address. Open one and sign in with a login listed next to it; every demo login has the password <code>${escapeHtml(DEMO_PASSWORD)}</code>.</p><ul>${desks}</ul><p>The service provider's desk (desk.localhost) works across the other tenants.</p>`,
  );
}

/** What a production server (`serve`) shows at an address that is no desk's, with a 404. */
export function unknownHostPage(host: string | undefined): string {
  const shown = host ? `<code>${escapeHtml(host)}</code>` : 'This address';
  return page(
    'No help desk at this address',
    `<h1>No help desk at this address</h1><p>${shown} is not the address of any help desk on this TenantDesk server. Check that:</p><ul><li>the address is spelt as the help desk gave it;</li><li>the host name is registered for its tenant (<code>tenantdesk tenant host add SLUG HOST</code>, or the service provider's administration);</li><li>behind a reverse proxy, the proxy passes the original host (X-Forwarded-Host) and the server runs with <code>TRUST_PROXY=true</code>.</li></ul>`,
  );
}
