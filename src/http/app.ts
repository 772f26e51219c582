import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { SignInThrottle } from '../config/config.ts';
import type { Logger } from '../config/logger.ts';
import type { Database } from '../db/database.ts';
import type { Catalog } from '../tenancy/catalog/catalog.ts';
import type { TenancySettings } from '../tenancy/settings.ts';
import { Shards } from '../tenancy/placement/shards.ts';
import cookie from '@fastify/cookie';
import { registerErrorReplies } from './error-reply.ts';
import { authenticate } from './plugins/authenticate.ts';
import { apiKeyRoutes } from './routes/api-keys.ts';
import { signInRoutes, signOutRoutes } from './routes/auth.ts';
import { contactRoutes } from './routes/contacts.ts';
import { lookupRoutes } from './routes/lookups.ts';
import { meRoutes } from './routes/me.ts';
import { openApi } from './plugins/openapi.ts';
import { tenantHost } from './plugins/tenant-host.ts';
import { ticketRoutes } from './routes/tickets.ts';
import { deskConfigRoutes } from './routes/desk-config.ts';
import { healthRoutes } from './routes/health.ts';
import { tenantInfoRoutes } from './routes/tenant-info.ts';

export type AppOptions = {
  database: Database;
  /** The shards tenants live in; by default the pool alone. */
  shards?: Shards;
  catalog: Catalog;
  settings: TenancySettings;
  trustProxy: boolean;
  identity?: Partial<IdentityOptions>;
  logger?: Logger;
};

/** Sign-in settings; the defaults are the configuration's defaults. */
export type IdentityOptions = { sessionTtlMs: number; throttle: SignInThrottle; publicScheme: 'http' | 'https' };

const IDENTITY_DEFAULTS: IdentityOptions = {
  sessionTtlMs: 12 * 3600_000,
  throttle: { maxPerAccount: 5, maxPerIp: 50, windowMs: 15 * 60_000 },
  publicScheme: 'https',
};

/**
 * The HTTP application as a plugin tree: tests use `inject`, server.ts only listens. Health checks
 * answer on any host (load balancers probe by address); everything else lives under a tenant's host.
 */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    ...(options.logger ? { loggerInstance: options.logger as FastifyBaseLogger } : { logger: false }),
    trustProxy: options.trustProxy,
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Unknown body fields are refused (400), not silently dropped: a misspelt field is a mistake to report.
    ajv: { customOptions: { removeAdditional: false } },
  });
  registerErrorReplies(app);
  await app.register(cookie);
  const { database, catalog, settings, trustProxy } = options;
  const shards = options.shards ?? new Shards(database);
  if (!options.shards) app.addHook('onClose', () => shards.close());
  await openApi(app);
  await app.register(healthRoutes, { database });
  await app.register(async (tenantScope) => {
    await tenantHost(tenantScope, { catalog, trustProxy });
    await tenantScope.register(tenantInfoRoutes);
    await tenantScope.register(signInRoutes, { shards, catalog, trustProxy, ...IDENTITY_DEFAULTS, ...options.identity });
    await tenantScope.register(async (signedIn) => {
      await authenticate(signedIn, { database, shards, catalog, settings, trustProxy });
      await signedIn.register(signOutRoutes);
      await signedIn.register(meRoutes);
      await signedIn.register(lookupRoutes);
      await signedIn.register(contactRoutes);
      await signedIn.register(apiKeyRoutes);
      await signedIn.register(ticketRoutes);
      await signedIn.register(deskConfigRoutes);
    });
  });
  return app;
}
