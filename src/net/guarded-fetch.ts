import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { OutboundError, type Outbound } from './guarded-connect.ts';

export type GuardedFetchInit = {
  readonly method?: string;
  readonly headers?: Record<string, string> | Headers;
  readonly body?: string | Uint8Array | URLSearchParams | null;
  readonly signal?: AbortSignal | null;
  /** What is called, for messages: 'webhook', 'identity provider'. */
  readonly what?: string;
};

/**
 * `fetch` through the guarded connector, for webhooks and identity providers (openid-client takes
 * it as its `customFetch`): http and https only, the host resolved and checked once and the
 * connection made to the checked address (the lookup hook), one connection per request (no pool
 * that could outlive a policy change), and redirects never followed: a redirect could name a refused
 * host, so the caller gets the 3xx answer and decides. Connecting and the answer's headers share the
 * connector's timeout.
 *
 * @example
 * const answer = await guardedFetch(outbound, 'https://idp.example.com/.well-known/openid-configuration', { what: 'identity provider' });
 */
export async function guardedFetch(outbound: Outbound, input: string | URL, init: GuardedFetchInit = {}): Promise<Response> {
  const url = new URL(String(input));
  const what = init.what ?? 'server';
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new OutboundError('OUTBOUND_REFUSED', `The ${what} URL must be http:// or https://, not ${url.protocol}`);
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  // An address in the URL never reaches the lookup hook: checked here. A name is checked by the hook.
  await outbound.resolve(host, what);
  const body = init.body instanceof URLSearchParams ? init.body.toString() : (init.body ?? undefined);
  const headers = Object.fromEntries(new Headers(init.headers ?? {}).entries());
  if (init.body instanceof URLSearchParams && !headers['content-type']) headers['content-type'] = 'application/x-www-form-urlencoded';
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const answer = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = request(url, { method: init.method ?? 'GET', headers, lookup: outbound.lookup, agent: false, timeout: outbound.timeoutMs, ...(init.signal ? { signal: init.signal } : {}) }, resolve);
    req.once('timeout', () => req.destroy(new OutboundError('OUTBOUND_TIMEOUT', `The ${what} at ${url.host} did not answer within ${outbound.timeoutMs} ms.`)));
    req.once('error', (error: NodeJS.ErrnoException) => {
      reject(error instanceof OutboundError || error.name === 'AbortError' ? error : new OutboundError('OUTBOUND_FAILED', `Could not reach the ${what} at ${url.host}: ${error.code ?? error.message}.`));
    });
    req.end(body);
  });
  const status = answer.statusCode ?? 502;
  const responseHeaders = new Headers();
  for (const [name, value] of Object.entries(answer.headers)) {
    for (const one of Array.isArray(value) ? value : value === undefined ? [] : [value]) responseHeaders.append(name, one);
  }
  const noBody = status === 204 || status === 304 || (init.method ?? 'GET').toUpperCase() === 'HEAD';
  if (noBody) answer.resume();
  return new Response(noBody ? null : (Readable.toWeb(answer) as ReadableStream<Uint8Array>), { status, statusText: answer.statusMessage ?? '', headers: responseHeaders });
}
