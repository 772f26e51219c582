import type { ImapFlow, ImapFlowOptions } from 'imapflow';
import type { Socket } from 'node:net';
import { startTls, type Outbound } from './guarded-connect.ts';

/**
 * An ImapFlow client whose connection comes from the guarded connector (imapflow's `transport`
 * option): the IMAP server's name is resolved and checked once, the socket goes to the checked
 * address; TLS is verified against the name. `host` and `port` are the mailbox's. imapflow is
 * loaded on the first client, not with the server: a desk with no IMAP mailbox never holds it.
 */
export async function guardedImapClient(outbound: Outbound, options: Omit<ImapFlowOptions, 'transport' | 'proxy'>): Promise<ImapFlow> {
  const { ImapFlow } = await import('imapflow');
  return new ImapFlow({
    ...options,
    transport: {
      connect: (target, onConnect) =>
        outbound.openSocket(
          { host: target.host, port: target.port, what: 'IMAP server', tls: target.secure ? { ...target.tls, ...(target.servername ? { servername: target.servername } : {}) } : undefined },
          onConnect,
        ),
      upgrade: (socket, target, onSecure) => startTls(socket as Socket, target, onSecure),
    },
  });
}
