import { PassThrough } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { LiveHub } from '../../desk/live/live-hub.ts';
import type { Catalog } from '../../tenancy/catalog/catalog.ts';
import type { LiveEvent } from '../../desk/live/visible-event.ts';
import { AppError } from '../../errors.ts';
import { credentialStillActs } from '../../identity/sessions.ts';
import { deskOf } from '../desk-request.ts';

export type LiveStreamOptions = {
  hub: LiveHub;
  catalog: Catalog;
  /** A comment line this often keeps proxies from closing an idle stream; the credential is checked again each time. */
  heartbeatMs: number;
  /** A stream ends after this long; the client opens another, with the credential as it is then. */
  maxAgeMs: number;
};

export const LIVE_STREAM_DEFAULTS = { heartbeatMs: 25_000, maxAgeMs: 15 * 60_000 } as const;

/** How long a new stream waits for the listener before saying it is ready anyway (the client reloads once). */
const READY_WAIT_MS = 5000;

const frame = (event: string, data: unknown): string => `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * `GET /api/v1/events`: server-sent events of the tickets the caller may read, as they change
 * (decision 0120). The stream says `ready` once changes are heard; then `ticket` (a ticket's row
 * changed or was opened), `entry` (a thread entry it may read was added) and `resync` (reload
 * everything: some changes may have been missed). Ids only: the client reads what changed through
 * the API as usual.
 */
export async function liveEventRoutes(app: FastifyInstance, options: LiveStreamOptions): Promise<void> {
  app.get(
    '/api/v1/events',
    {
      schema: {
        tags: ['tickets'],
        summary: 'Live updates of readable tickets (text/event-stream: ready, ticket, entry, resync)',
        response: { 200: { content: { 'text/event-stream': { schema: { type: 'string' } } } } },
      },
    },
    async (request, reply) => {
      // A client that cannot read a stream (a plain API call) would wait for an answer that never ends.
      if (!/\btext\/event-stream\b/.test(request.headers.accept ?? '')) {
        throw new AppError('VALIDATION_FAILED', 'This is a stream of server-sent events: ask for it with "Accept: text/event-stream" (an EventSource does).', 'accept');
      }
      const { actor, tenantDbs } = request;
      const stream = new PassThrough();
      const write = (event: string, data: unknown) => void (stream.writable && stream.write(frame(event, data)));
      // Tenant boundary: every event is re-read with this request's own context before it is written.
      const unsubscribe = options.hub.subscribe({
        owner: actor.sessionId ?? actor.apiKeyId ?? actor.contactId,
        context: () => ({ ...deskOf(request), catalog: options.catalog.snapshot(), known: new Map([[`contact:${actor.contactId}`, actor.tenantId]]) }),
        send: (event: LiveEvent | { kind: 'resync' }) => write(event.kind, event),
        close: () => stream.end(),
      });
      const heartbeat = setInterval(() => {
        stream.write(': ping\n\n');
        void credentialStillActs(tenantDbs, actor).then(
          (acts) => acts || stream.end(frame('ended', { reason: 'signed-out' })),
          () => undefined,
        );
      }, options.heartbeatMs);
      const maxAge = setTimeout(() => stream.end(frame('ended', { reason: 'max-age' })), options.maxAgeMs);
      const cleanUp = () => {
        clearInterval(heartbeat);
        clearTimeout(maxAge);
        unsubscribe();
        if (!stream.writableEnded) stream.end();
      };
      reply.raw.once('close', cleanUp);
      stream.once('finish', cleanUp);
      stream.write('retry: 5000\n\n');
      void options.hub.whenListening(READY_WAIT_MS).then(() => write('ready', { listening: options.hub.listening }));
      return reply
        .header('content-type', 'text/event-stream; charset=utf-8')
        .header('cache-control', 'no-store')
        // Proxies such as nginx buffer answers unless told not to; a buffered event arrives late.
        .header('x-accel-buffering', 'no')
        .send(stream);
    },
  );
}
