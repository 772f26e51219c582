import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/**
 * The docs page's policy: everything from this host, nothing inline, nothing from elsewhere (the
 * package's default allows any https: style and font, and validator.swagger.io's badge). The
 * docs are drawn without Swagger UI's top bar (BaseLayout): its logo carries an inline <style>
 * that a strict policy refuses, and its URL box would explore other documents than ours.
 */
const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/**
 * The OpenAPI document, generated from the route schemas (register before any route: it collects
 * them as they are added), at `/api/openapi.json`, and the interactive docs at `/api/docs`, served
 * from the assets bundled in @fastify/swagger-ui: nothing is fetched from the internet.
 */
export async function openApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'TenantDesk API',
        version: '1',
        description: 'Every tenant has its API at its own host. Errors are always {"error": {"code", "message", "field"?}}.',
      },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'td_session' },
          apiKey: { type: 'http', scheme: 'bearer' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: DOCS_CONTENT_SECURITY_POLICY, uiConfig: { layout: 'BaseLayout' } });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
