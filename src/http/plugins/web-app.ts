import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectPath } from '../../config/paths.ts';
import type { ArticlePageMeta } from '../../desk/kb/public-article-page.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import { ARTICLE_PATH, withArticleMeta } from './article-page-html.ts';
import { demoLandingPage, unknownHostPage } from './host-pages.ts';
import { requestHost } from './tenant-host.ts';

/** Where `npm run build:web` (run by `npm start` and `npm test`) writes the front end. */
export const DEFAULT_WEB_ROOT = projectPath('web', 'dist') + '/';

/**
 * The policy of every HTML page: scripts, styles, images and API calls from this host only, no
 * inline script or style element, no framing. Vite's output needs nothing more.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

const HTML_HEADERS = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'same-origin',
  // The page names the hashed bundles of the current build: always ask again.
  'cache-control': 'no-cache',
};

const NOT_BUILT = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>TenantDesk</title></head>
<body><h1>TenantDesk</h1><p>The web front end has not been built. Run <code>npm run build:web</code> (npm start and npm test do it), then restart.</p></body></html>`;

/** Paths that belong to the server, never to the single-page app. */
// /metrics too: it is served on METRICS_PORT only, and at a tenant's host must be a plain 404, not the page.
const isServerPath = (path: string) => path === '/api' || path.startsWith('/api/') || path === '/healthz' || path === '/readyz' || path === '/metrics';

/**
 * Serves the built front end: its files as they are (hashed bundles cached for a year), and
 * `index.html` for every other GET outside /api, so that the app's own routes (`/tickets/…`) load
 * on reload. Registered after the API so that every API route, /healthz and /readyz win.
 */
export type WebAppOptions = {
  root?: string;
  /** With the catalog, an address that is no desk's gets a page of its own instead of the app. */
  hosts?: { catalog: Catalog; trustProxy: boolean; demo: boolean };
  /**
   * A public article's indexable facts for `/kb/:slug` at a tenant's host, read as an anonymous
   * visitor (desk/kb/public-article-page.ts); undefined for anything that visitor may not read.
   */
  articlePage?: { meta: (tenantId: number, slug: string) => Promise<ArticlePageMeta | undefined>; scheme: 'http' | 'https' };
};

export async function webApp(app: FastifyInstance, options: WebAppOptions = {}): Promise<void> {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const indexFile = join(root, 'index.html');
  const index = existsSync(indexFile) ? readFileSync(indexFile, 'utf8') : undefined;
  if (index) {
    await app.register(fastifyStatic, {
      root,
      prefix: '/',
      // Routes for the files of this build, found once at start; everything else falls through below.
      wildcard: false,
      index: false,
      // Hashed bundles never change under their name; anything else is revalidated.
      cacheControl: false,
      setHeaders: (res, path) => {
        if (path.endsWith('.html')) for (const [name, value] of Object.entries(HTML_HEADERS)) res.setHeader(name, value);
        else res.setHeader('cache-control', path.includes('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      },
    });
  }
  /** The shell with a public article's head, or undefined (no such public article, or it could not be read: the plain shell). */
  async function articlePageHtml(shell: string, tenantId: number, host: string, path: string): Promise<string | undefined> {
    const slug = options.articlePage && ARTICLE_PATH.exec(path)?.[1];
    if (!slug || !options.articlePage) return undefined;
    const meta = await options.articlePage.meta(tenantId, slug).catch((error: unknown) => {
      app.log.warn({ err: error }, 'the knowledge-base article page was served without its head');
      return undefined;
    });
    return meta && withArticleMeta(shell, meta, `${options.articlePage.scheme}://${host}/kb/${meta.slug}`);
  }

  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const path = request.url.split('?')[0]!;
    if (isServerPath(path)) return reply.callNotFound();
    const hosts = options.hosts;
    const host = hosts ? requestHost(request, hosts.trustProxy) : undefined;
    if (hosts && !(host && hosts.catalog.snapshot().byHost.has(host))) {
      const html = hosts.demo ? demoLandingPage(portOf(request.headers.host)) : unknownHostPage(host);
      return reply.status(hosts.demo ? 200 : 404).headers(HTML_HEADERS).type('text/html; charset=utf-8').send(html);
    }
    const tenant = host ? hosts?.catalog.snapshot().byHost.get(host) : undefined;
    const page = index && tenant?.status === 'active' && host ? await articlePageHtml(index, tenant.id, host, path) : undefined;
    return reply
      .status(index ? 200 : 503)
      .headers(HTML_HEADERS)
      .type('text/html; charset=utf-8')
      .send(page ?? index ?? NOT_BUILT);
  });
}

/** The port a request's Host header names; 80 when it names none. */
function portOf(hostHeader: string | undefined): number {
  const port = /:(\d{1,5})$/.exec(hostHeader ?? '')?.[1];
  return port ? Number(port) : 80;
}
