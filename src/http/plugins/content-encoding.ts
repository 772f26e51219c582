import type { FastifyInstance } from 'fastify';
import { AppError } from '../../errors.ts';

/**
 * Request bodies are taken as sent, never inflated: a few hundred kilobytes of gzip can expand to
 * gigabytes (a decompression bomb), and no client of TenantDesk needs to compress what it uploads.
 * A request declaring any Content-Encoding but `identity` is refused before its body is read
 * (RFC 7694: 415 with the codings we accept), instead of being parsed as if it were plain.
 */
export async function refuseEncodedBodies(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', async (request, reply) => {
    const encoding = request.headers['content-encoding'];
    if (encoding === undefined || encoding.trim().toLowerCase() === 'identity') return;
    reply.header('accept-encoding', 'identity');
    throw new AppError('UNSUPPORTED_MEDIA_TYPE', 'Compressed request bodies (Content-Encoding) are not accepted; send the body uncompressed.', 'content-encoding');
  });
}
