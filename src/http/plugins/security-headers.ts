import type { FastifyInstance } from 'fastify';

/**
 * Headers every answer carries unless its route set its own (the web pages and the API docs set
 * a Content-Security-Policy fit for HTML; a download sets a sandboxing one). An API answer is data:
 * nothing in it may run, be framed or be sniffed into HTML.
 */
export async function securityHeaders(app: FastifyInstance, options: { https: boolean }): Promise<void> {
  const baseline: Record<string, string> = {
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'same-origin',
    'x-frame-options': 'DENY',
    'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
    ...(options.https ? { 'strict-transport-security': 'max-age=31536000; includeSubDomains' } : {}),
  };
  app.addHook('onSend', async (_request, reply, payload) => {
    // Static files get theirs on the raw response (@fastify/static's setHeaders).
    for (const [name, value] of Object.entries(baseline)) if (!reply.hasHeader(name) && !reply.raw.hasHeader(name)) reply.header(name, value);
    return payload;
  });
}
