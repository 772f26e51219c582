import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';

/**
 * Draining for a graceful stop. Once `begin()` is called (SIGTERM), a request that arrives, on a
 * connection opened before the listener closed, is answered 503 SHUTTING_DOWN with
 * `Connection: close` and never reaches a route; the requests already in flight run to the end,
 * and their answers close their connections too. `/healthz` still answers, `/readyz` says
 * "shutting down". Fastify's own closing answer is not used: it is not in our error format.
 */
export type Drain = {
  readonly draining: boolean;
  /** Requests being handled now. */
  readonly inFlight: number;
  begin(): void;
  /** Resolves true when no request is in flight, or false when `timeoutMs` passed first. */
  settled(timeoutMs: number): Promise<boolean>;
};

declare module 'fastify' {
  interface FastifyInstance {
    drain: Drain;
  }
}

const PROBES = new Set(['/healthz', '/readyz']);

/** Registered on the root instance before any route, so that its hooks run for every request. */
export function shutdownDrain(app: FastifyInstance): Drain {
  let draining = false;
  let inFlight = 0;
  let idle: (() => void) | undefined;
  const drain: Drain = {
    get draining() {
      return draining;
    },
    get inFlight() {
      return inFlight;
    },
    begin: () => void (draining = true),
    settled: (timeoutMs) =>
      new Promise((resolve) => {
        if (inFlight === 0) return resolve(true);
        const timer = setTimeout(() => resolve(false), timeoutMs);
        idle = () => {
          clearTimeout(timer);
          resolve(true);
        };
      }),
  };
  app.decorate('drain', drain);
  app.addHook('onRequest', async (request, reply) => {
    if (draining && !PROBES.has(request.routeOptions.url ?? '')) {
      return reply
        .status(503)
        .header('connection', 'close')
        .header('retry-after', '5')
        .send(new AppError('SHUTTING_DOWN', 'This server is shutting down; send the request again (another server, or this one once restarted, will take it).').toJSON());
    }
    inFlight += 1;
    // 'close' comes for every response, sent or abandoned by its client.
    reply.raw.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) idle?.();
    });
  });
  app.addHook('onSend', async (_request, reply) => {
    if (draining) reply.header('connection', 'close');
  });
  return drain;
}
