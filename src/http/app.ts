import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { SignInThrottle } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import type { Catalog } from '../tenancy/catalog/catalog.ts';
import { requestIds } from './request-id.ts';
import { lazySchemaCompilers } from './lazy-schemas.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import { Shards } from '../tenancy/placement/shards.ts';
import cookie from '@fastify/cookie';
import { registerErrorReplies, frameworkErrorReply } from './error-reply.ts';
import { logRequests } from './plugins/request-log.ts';
import { authenticate } from './plugins/authenticate.ts';
import { routePolicies } from './plugins/route-policy.ts';
import type { RoutePolicies } from './route-policies.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { signInRoutes, signOutRoutes } from './routes/auth.ts';
import { contactRoutes } from './routes/contacts.ts';
import { lookupRoutes } from './routes/lookups.ts';
import { requesterRoutes } from './routes/requesters.ts';
import { savedViewRoutes } from './routes/saved-views.ts';
import { ticketBulkRoutes } from './routes/ticket-bulk.ts';
import { meRoutes } from './routes/me.ts';
import { openApi } from './plugins/openapi.ts';
import { securityHeaders } from './plugins/security-headers.ts';
import { refuseEncodedBodies } from './plugins/content-encoding.ts';
import { shutdownDrain } from './plugins/shutdown-drain.ts';
import { tenantHost, tenantLogBindings } from './plugins/tenant-host.ts';
import { requestMetrics, type RequestMetricsOptions } from './plugins/request-metrics.ts';
import { tenantRateLimit, type RateLimitOptions } from './plugins/tenant-rate-limit.ts';
import { ApiRateLeases } from '../tenancy/api-rate-leases.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { deskConfigRoutes } from './routes/desk-config.ts';
import { reportRoutes } from './routes/reports.ts';
import { healthRoutes } from './routes/health.ts';
import { mailRoutes } from './routes/mail.ts';
import { secretBox } from '../mail/secret-box.ts';
import { createOutbound, type Outbound } from '../net/guarded-connect.ts';
import { tenantInfoRoutes } from './routes/tenant-info.ts';
import { webApp } from './plugins/web-app.ts';
import { anonymousReader } from '../desk/kb/kb-reader.ts';
import { publicArticlePage } from '../desk/kb/public-article-page.ts';
import { guestStatusRoutes } from './routes/guest-status.ts';
import { ratingLinkRoutes } from './routes/rating-links.ts';
import type { AttachmentSettings } from '../desk/attachments/attachment-files.ts';
import { attachmentRoutes } from './routes/attachments.ts';
import { collaboratorRoutes } from './routes/collaborators.ts';
import { auditRoutes } from './routes/audit.ts';
import { osTicketRoutes } from './routes/osticket.ts';
import { roleRoutes } from './routes/roles.ts';
import { tenantBrandingRoutes } from './routes/tenant-branding.ts';
import { spAdminRoutes } from './routes/sp-admin.ts';
import { oidcSignInRoutes } from './routes/oidc-sign-in.ts';
import { ssoConnectionRoutes } from './routes/sso-connections.ts';
import { webhookRoutes } from './routes/webhooks.ts';
import { LiveHub, LIVE_LIMITS, type LiveLimits } from '../desk/live/live-hub.ts';
import { CredentialCache } from '../identity/credential-cache.ts';
import { LIVE_STREAM_DEFAULTS, liveEventRoutes } from './routes/live-events.ts';
import { ticketPresenceRoutes } from './routes/ticket-presence.ts';
import { satisfactionRoutes } from './routes/satisfaction.ts';
import { kbPublicRoutes } from './routes/kb-public.ts';
import { kbFileRoutes } from './routes/kb-files.ts';
import { kbRoutes } from './routes/kb.ts';

export type AppOptions = {
  database: Database;
  /** The shards tenants live in; by default the pool alone. */
  shards?: Shards;
  catalog: Catalog;
  settings: TenancySettings;
  trustProxy: boolean;
  identity?: Partial<IdentityOptions>;
  logger?: Logger;
  /** The built front end to serve (default `web/dist`); `false` serves the API alone. */
  webRoot?: string | false;
  /** Where attachments are kept (the data directory) and their size limit; without it, no files. */
  attachments?: AttachmentSettings;
  /** MAIL_SECRET, which encrypts the credentials of mailboxes created through the API. */
  mailSecret?: string | undefined;
  /** The guarded connector (OUTBOUND_ALLOW) mail hosts named through the API are checked with; default: public addresses only. */
  outbound?: Outbound;
  /** The installation's own sender domains (MAIL_FROM's, MAIL_SENDER_DOMAINS), which no tenant but the SP sends from. */
  mailSenderDomains?: readonly string[];
  /** Each route's schemas compiled on its first call rather than at start (the server; lazy-schemas.ts). */
  lazySchemas?: boolean;
  /** The demo (`npm start`): an address that is no desk's shows the demo's desks and logins. */
  demo?: boolean;
  /** How per-tenant rate-limit refusals are answered (the limits themselves are in `settings`). */
  rateLimit?: RateLimitOptions;
  /** The route policy table (default: the product's, `ROUTE_POLICIES`); tests adding routes extend it. */
  policies?: RoutePolicies;
  /** The installation-wide rate buckets' leases; by default a set of this app's own on `database`. */
  rateLeases?: ApiRateLeases;
  /** Counts requests for /metrics (served elsewhere: http/metrics-server.ts); without it, nothing is counted. */
  metrics?: RequestMetricsOptions;
  /** Live update streams (GET /api/v1/events): limits, heartbeat and lifetime; defaults are the product's. */
  live?: Partial<LiveLimits & { heartbeatMs: number; maxAgeMs: number }>;
};

declare module 'fastify' {
  interface FastifyInstance {
    /** This process's live update streams; server.ts ends them when it stops. */
    live: LiveHub;
  }
}

/** Sign-in settings; the defaults are the configuration's defaults. */
export type IdentityOptions = { sessionTtlMs: number; throttle: SignInThrottle; publicScheme: 'http' | 'https' };

const IDENTITY_DEFAULTS: IdentityOptions = {
  sessionTtlMs: 12 * 3600_000,
  throttle: { maxPerAccountClient: 5, maxPerIp: 50, windowMs: 15 * 60_000 },
  publicScheme: 'https',
};

/**
 * The HTTP application as a plugin tree: tests use `inject`, server.ts only listens. Health checks
 * answer on any host (load balancers probe by address); everything else lives under a tenant's host.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger, childLoggerFactory: tenantLogBindings(options.catalog, options.trustProxy) } : { logger: false }),
    trustProxy: options.trustProxy,
    genReqId: requestIds(),
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Unknown body fields are refused (400), not silently dropped: a misspelt field is a mistake to report.
    ajv: { customOptions: { removeAdditional: false } },
    ...(options.lazySchemas ? { schemaController: lazySchemaCompilers } : {}),
    frameworkErrors: frameworkErrorReply,
    // One line per request, at debug (below): at info, every poll of every open page filled the terminal.
    logController: new LogController({ disableRequestLogging: true }),
  });
  // Before any route: a route missing from the policy table stops the app here (src/http/route-policies.ts).
  routePolicies(app, options.policies);
  registerErrorReplies(app);
  if (options.metrics) requestMetrics(app, options.metrics);
  logRequests(app);
  // First, so that a server stopping refuses new requests before any other hook runs.
  shutdownDrain(app);
  await securityHeaders(app, { https: (options.identity?.publicScheme ?? IDENTITY_DEFAULTS.publicScheme) === 'https' });
  await refuseEncodedBodies(app);
  await app.register(cookie);
  const { database, catalog, settings, trustProxy } = options;
  const box = options.mailSecret ? secretBox(options.mailSecret) : undefined;
  const outbound = options.outbound ?? createOutbound();
  const shards = options.shards ?? new Shards(database);
  if (!options.shards) app.addHook('onClose', () => shards.close());
  const live = new LiveHub(shards, { ...LIVE_LIMITS, ...options.live }, options.logger);
  app.decorate('live', live);
  app.addHook('onClose', () => live.stop());
  await openApi(app);
  await app.register(healthRoutes, { database });
  await app.register(async (tenantScope) => {
    await tenantHost(tenantScope, { catalog, trustProxy });
    // Right after the host is known, before any body parsing or database work: a flood is refused cheaply.
    const leases = options.rateLeases ?? new ApiRateLeases(database, { log: options.logger });
    await tenantRateLimit(tenantScope, { settings, leases, ...options.rateLimit });
    await tenantScope.register(tenantInfoRoutes);
    const identity = { ...IDENTITY_DEFAULTS, ...options.identity };
    // Identity providers are reached through the guarded connector; client secrets are kept with MAIL_SECRET's box.
    const oidc = { outbound, box };
    // Verified API keys kept until the database says what they stand for changed (decision 0172).
    const credentials = new CredentialCache(options.logger ? { log: options.logger } : {});
    app.addHook('onClose', () => credentials.stop());
    const auth = { database, shards, catalog, settings, trustProxy, publicScheme: identity.publicScheme, credentials };
    await tenantScope.register(signInRoutes, { shards, catalog, trustProxy, ...identity });
    await tenantScope.register(oidcSignInRoutes, { shards, catalog, settings, trustProxy, sessionTtlMs: identity.sessionTtlMs, publicScheme: identity.publicScheme, ...oidc });
    await tenantScope.register(guestStatusRoutes, { database, shards, catalog, settings, trustProxy, publicScheme: identity.publicScheme, throttle: identity.throttle });
    // The knowledge base reads without sign-in too (public articles); signed-in callers read as their role.
    await tenantScope.register(kbPublicRoutes, { ...auth, attachments: options.attachments });
    await tenantScope.register(ratingLinkRoutes, { database, shards, catalog, settings, trustProxy, publicScheme: identity.publicScheme, box });
    await tenantScope.register(async (signedIn) => {
      await authenticate(signedIn, auth);
      await signedIn.register(signOutRoutes, { ...oidc, trustProxy, publicScheme: identity.publicScheme });
      await signedIn.register(meRoutes);
      await signedIn.register(lookupRoutes);
      await signedIn.register(contactRoutes);
      await signedIn.register(requesterRoutes);
      await signedIn.register(apiKeyRoutes);
      await signedIn.register(ticketRoutes);
      await signedIn.register(liveEventRoutes, { hub: live, catalog, ...LIVE_STREAM_DEFAULTS, ...options.live });
      await signedIn.register(ticketBulkRoutes);
      await signedIn.register(savedViewRoutes);
      await signedIn.register(collaboratorRoutes);
      await signedIn.register(ticketPresenceRoutes);
      await signedIn.register(satisfactionRoutes);
      await signedIn.register(deskConfigRoutes);
      await signedIn.register(reportRoutes);
      await signedIn.register(kbRoutes);
      await signedIn.register(kbFileRoutes, { attachments: options.attachments });
      await signedIn.register(attachmentRoutes, { attachments: options.attachments });
      await signedIn.register(auditRoutes);
      const senderDomains = options.mailSenderDomains ?? [];
      await signedIn.register(mailRoutes, { box, outbound, config: { senderDomains } });
      await signedIn.register(ssoConnectionRoutes, { box });
      await signedIn.register(webhookRoutes, { box, outbound, catalog });
      await signedIn.register(roleRoutes);
      await signedIn.register(tenantBrandingRoutes, { catalog });
      await signedIn.register(spAdminRoutes, { catalog, mailSenderDomains: senderDomains });
    });
    // osTicket's API: its own key header, its own plain-text answers.
    await tenantScope.register(async (osTicket) => {
      await authenticate(osTicket, { ...auth, apiKeyHeader: 'x-api-key' });
      await osTicket.register(osTicketRoutes, { attachments: options.attachments });
    });
  });
  // Last, and outside the tenant scope: the page loads on any host and then asks /api/v1/tenant.
  if (options.webRoot !== false) {
    // Public articles' pages carry their title and description for search engines, read as an anonymous visitor.
    const articlePage = {
      meta: (tenantId: number, slug: string) => publicArticlePage(anonymousReader({ database, shards, settings, catalog: catalog.snapshot(), log: app.log }, tenantId), slug),
      scheme: (options.identity?.publicScheme ?? IDENTITY_DEFAULTS.publicScheme),
    };
    await app.register(webApp, { ...(options.webRoot ? { root: options.webRoot } : {}), hosts: { catalog, trustProxy, demo: options.demo ?? false }, articlePage });
  }
  return app;
}
