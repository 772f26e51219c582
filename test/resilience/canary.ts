import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A loopback HTTP server that records every request it gets. Its URLs go into hostile content: a
 * request here means something (the server, a browser) fetched a URL found in user content.
 */
export type Canary = { readonly origin: string; readonly port: number; readonly requests: string[]; close(): Promise<void> };

export async function startCanary(): Promise<Canary> {
  const requests: string[] = [];
  const server = createServer((request: IncomingMessage, response) => {
    requests.push(`${request.method} ${request.url}`);
    response.writeHead(200, { 'content-type': 'text/plain' }).end('canary');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  // It must be able to hear: one request of our own, heard, then forgotten.
  await fetch(`http://127.0.0.1:${port}/self-check`).then((res) => res.text());
  if (requests.splice(0).length !== 1) throw new Error('the canary did not record its own request');
  return {
    origin: `http://127.0.0.1:${port}`,
    port,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
