import type { FastifyInstance } from 'fastify';

const VERBOSE = new Set(['debug', 'trace']);

/**
 * Two log lines per request, at debug level, as Fastify writes them at info: a desk in use answers a
 * request every few seconds per open page, which at info drowned what an operator needs to see.
 * Failures keep their own lines (error-reply.ts) at warn and error.
 */
export function logRequests(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (VERBOSE.has(request.log.level)) request.log.debug({ req: { method: request.method, url: request.url } }, 'incoming request');
  });
  app.addHook('onResponse', async (request, reply) => {
    if (VERBOSE.has(request.log.level)) request.log.debug({ res: { statusCode: reply.statusCode }, responseTime: reply.elapsedTime }, 'request completed');
  });
}
