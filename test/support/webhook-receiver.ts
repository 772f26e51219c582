import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { verifyWebhook } from '../../src/webhooks/standard-webhooks.ts';
import { freePort } from './net.ts';

export type Received = { path: string; headers: IncomingHttpHeaders; body: string };

/** A real HTTP receiver on the loopback: records every request, answers the next queued status (else 200). */
export async function startReceiver() {
  const received: Received[] = [];
  const statuses: number[] = [];
  const port = await freePort();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8').on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      res.writeHead(statuses.shift() ?? 200).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { url: (path: string) => `http://127.0.0.1:${port}${path}`, received, statuses, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

export const verified = (secret: string, r: Received) => verifyWebhook(secret, r.headers as Record<string, string>, r.body);
