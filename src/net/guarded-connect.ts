import { lookup as systemLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import { connect as netConnect, isIP, Socket, type LookupFunction } from 'node:net';
import { connect as tlsConnect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { hostAllowed, normalizeHost, PUBLIC_ONLY, refusal, withAllowedHost, type AddressPolicy } from './address-policy.ts';

/**
 * The one way TenantDesk opens a connection to another machine (IMAP, SMTP, and HTTP for webhooks
 * and identity providers): the host is resolved once, every address is checked against the
 * installation's address policy, and the socket connects to the checked address, never to a second
 * resolution (DNS rebinding). A static test (test/net/one-connector.test.ts) fails if code outside
 * src/net/ opens a socket another way.
 *
 * @example
 * const outbound = createOutbound({ policy: parseAddressPolicy(process.env.OUTBOUND_ALLOW) });
 * const socket = await outbound.connect({ host: 'imap.example.com', port: 993, tls: {}, what: 'IMAP server' });
 */
export type Outbound = {
  readonly policy: AddressPolicy;
  /** How long resolving and connecting may take together, in ms. */
  readonly timeoutMs: number;
  /** Resolves `host` (or takes an address as it is) and checks every address: the ones a connection may use. */
  resolve(host: string, what?: string): Promise<ResolvedAddress[]>;
  /** Node's `lookup` hook (for net, tls, http): the same resolution and check. */
  readonly lookup: LookupFunction;
  /** A socket to host:port, connecting at once; a refusal, failure or timeout is emitted as its `error`. */
  openSocket(target: SocketTarget, onConnect?: () => void): Socket;
  /** A connected socket to host:port (TLS when `target.tls` is given), or an OutboundError. */
  connect(target: SocketTarget): Promise<Socket>;
  /** This connector with `host` trusted by name: for a destination the installation's own configuration names (SMTP_URL). */
  trusting(host: string): Outbound;
};

export type ResolvedAddress = { readonly address: string; readonly family: 4 | 6 };

/** Resolves a host name to all its addresses: the system's resolver by default; tests pass a stub. */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export type SocketTarget = {
  readonly host: string;
  readonly port: number;
  /** Open a TLS connection with these options (the server name is the host unless given). */
  readonly tls?: ConnectionOptions | undefined;
  /** What is connected to, for messages: 'IMAP server', 'SMTP relay', 'webhook'. */
  readonly what?: string;
};

export type OutboundErrorCode = 'OUTBOUND_REFUSED' | 'OUTBOUND_UNRESOLVED' | 'OUTBOUND_TIMEOUT' | 'OUTBOUND_FAILED';

/**
 * What went wrong with an outbound connection, in one sentence naming the destination. It carries
 * no stack: it is shown to administrators (a job's last error, a 400 answer), not to developers.
 */
export class OutboundError extends Error {
  constructor(
    readonly code: OutboundErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'OutboundError';
    this.stack = `${this.name}: ${message}`;
  }
}

const DEFAULT_TIMEOUT_MS = 30_000;

const systemResolver: Resolver = async (hostname) =>
  (await systemLookup(hostname, { all: true, verbatim: true })).map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));

export function createOutbound(options: { policy?: AddressPolicy; resolver?: Resolver; timeoutMs?: number } = {}): Outbound {
  const policy = options.policy ?? PUBLIC_ONLY;
  const resolver = options.resolver ?? systemResolver;
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;

  async function resolve(rawHost: string, what = 'host'): Promise<ResolvedAddress[]> {
    const host = normalizeHost(rawHost);
    const literal = isIP(host);
    const trusted = hostAllowed(policy, host);
    if (literal) {
      if (!trusted) assertAllowed(host, what);
      return [{ address: host, family: literal === 6 ? 6 : 4 }];
    }
    let addresses: ResolvedAddress[];
    try {
      addresses = await withTimeout(resolver(host), timeoutMs, () => new OutboundError('OUTBOUND_TIMEOUT', `The ${what} ${host} could not be resolved within ${timeoutMs} ms.`));
    } catch (error) {
      if (error instanceof OutboundError) throw error;
      throw new OutboundError('OUTBOUND_UNRESOLVED', `The ${what} ${host} could not be resolved (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}).`);
    }
    if (!addresses.length) throw new OutboundError('OUTBOUND_UNRESOLVED', `The ${what} ${host} has no address.`);
    if (trusted) return addresses;
    // Every address, not only the first: a name answering a public and a private address is refused.
    for (const { address } of addresses) {
      const range = refusal(policy, address);
      if (range) throw new OutboundError('OUTBOUND_REFUSED', `The ${what} ${host} is not allowed: it resolves to ${address}, in the ${range.name} (${range.cidr}), which this installation does not allow (OUTBOUND_ALLOW).`);
    }
    return addresses;
  }

  /** An address as given (net skips the lookup hook for one): refused with an OutboundError when in a special range. */
  function assertAllowed(address: string, what: string): void {
    const range = refusal(policy, address);
    if (range) throw new OutboundError('OUTBOUND_REFUSED', `The ${what} ${address} is not allowed: it is in the ${range.name} (${range.cidr}), which this installation does not allow (OUTBOUND_ALLOW).`);
  }

  const lookupFor = (what: string | undefined): LookupFunction => (hostname: string, lookupOptions: LookupOptions, callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void) => {
    resolve(hostname, what).then(
      (all) => {
        const family = lookupOptions.family === 4 || lookupOptions.family === 6 ? lookupOptions.family : undefined;
        const usable = family ? all.filter((a) => a.family === family) : all;
        if (!usable.length) return callback(new OutboundError('OUTBOUND_UNRESOLVED', `${hostname} has no IPv${family} address.`), '');
        if (lookupOptions.all) return callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
        callback(null, usable[0]!.address, usable[0]!.family);
      },
      (error: OutboundError) => callback(error, ''),
    );
  };
  const lookup = lookupFor(undefined);

  function openSocket(target: SocketTarget, onConnect?: () => void): Socket {
    const host = normalizeHost(target.host);
    const what = target.what ?? 'host';
    const place = `${what} ${host}:${target.port}`;
    let socket: Socket;
    // net skips the lookup hook for an address: it is checked here, and a refusal is the socket's error.
    if (isIP(host) && !hostAllowed(policy, host)) {
      try {
        assertAllowed(host, what);
      } catch (refused) {
        socket = new Socket();
        process.nextTick(() => socket.destroy(refused as OutboundError));
        return socket;
      }
    }
    const common = { host, port: target.port, lookup: lookupFor(what) };
    socket = target.tls
      ? tlsConnect({ ...common, ...(isIP(host) ? {} : { servername: host }), ...target.tls }, onConnect)
      : netConnect(common, onConnect);
    const connected = target.tls ? 'secureConnect' : 'connect';
    const timer = setTimeout(() => socket.destroy(new OutboundError('OUTBOUND_TIMEOUT', `The ${place} did not answer within ${timeoutMs} ms.`)), timeoutMs);
    timer.unref();
    socket.once(connected, () => clearTimeout(timer));
    socket.once('close', () => clearTimeout(timer));
    return socket;
  }

  function connect(target: SocketTarget): Promise<Socket> {
    return new Promise((resolvePromise, reject) => {
      const socket = openSocket(target);
      const place = `${target.what ?? 'host'} ${normalizeHost(target.host)}:${target.port}`;
      const failed = (error: NodeJS.ErrnoException) => {
        reject(error instanceof OutboundError ? error : new OutboundError('OUTBOUND_FAILED', `Could not connect to the ${place}: ${error.code ?? error.message}.`));
      };
      socket.once('error', failed);
      socket.once(target.tls ? 'secureConnect' : 'connect', () => {
        socket.off('error', failed);
        resolvePromise(socket);
      });
    });
  }

  return {
    policy,
    timeoutMs,
    resolve,
    lookup,
    openSocket,
    connect,
    trusting: (host) => createOutbound({ policy: withAllowedHost(policy, host), resolver, timeoutMs }),
  };
}

/** STARTTLS: TLS over a socket the connector opened (no new connection, so no new check). */
export function startTls(socket: Socket, options: { host: string; servername?: string | undefined; tls?: ConnectionOptions | undefined }, onSecure: () => void): TLSSocket {
  const host = normalizeHost(options.host);
  return tlsConnect({ socket, host, ...(options.servername ? { servername: options.servername } : isIP(host) ? {} : { servername: host }), ...options.tls }, onSecure);
}

function withTimeout<T>(work: Promise<T>, ms: number, error: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(error()), ms);
    timer.unref();
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
