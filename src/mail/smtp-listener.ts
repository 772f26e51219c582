import { readFileSync } from 'node:fs';
import { BlockList, isIP, isIPv6 } from 'node:net';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { AppError } from '../errors.ts';
import type { MailDeps } from './mail-context.ts';
import { mailboxForAddress } from './mailboxes.ts';
import { receiveMessage } from './receive-message.ts';

export type SmtpListener = { readonly port: number; close(): Promise<void> };

const smtpError = (code: number, message: string) => Object.assign(new Error(message), { responseCode: code });

/**
 * TenantDesk's own SMTP receiver (SMTP_PORT). Recipients that are no tenant's support address are
 * refused at RCPT (550), a message over MAIL_MAX_MESSAGE_BYTES at DATA (552). The 250 that tells the
 * sender "it is mine now" is given only after the message's unit of work committed; any failure
 * before that answers 451, so the sending server keeps the message and tries again (and a retry of
 * a message that did commit in one tenant is a duplicate there, taken once).
 */
export async function startSmtpListener(deps: MailDeps, options: { port: number; host: string; closeTimeoutMs?: number }): Promise<SmtpListener> {
  const tls = deps.config.tls;
  const trustedRelay = relayList(deps.config.trustedRelays);
  const serverOptions: SMTPServerOptions = {
    name: 'tenantdesk',
    banner: 'TenantDesk mail receiver',
    size: deps.config.maxMessageBytes,
    authOptional: true,
    disabledCommands: tls ? ['AUTH'] : ['AUTH', 'STARTTLS'],
    ...(tls ? { key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) } : {}),
    logger: false,
    // close() stops accepting at once; sessions still open after this long are told 421 and cut.
    ...(options.closeTimeoutMs ? { closeTimeout: options.closeTimeoutMs } : {}),
    onRcptTo(address, _session, callback) {
      mailboxForAddress(deps, address.address).then(
        (mailbox) => callback(mailbox ? undefined : smtpError(550, `5.1.1 <${address.address}>: not a support address here`)),
        (error: Error) => {
          deps.log?.error({ err: error }, 'smtp: could not look up a recipient');
          callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
        },
      );
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if ((stream as { sizeExceeded?: boolean }).sizeExceeded) return callback(smtpError(552, `5.3.4 Message over the size limit of ${deps.config.maxMessageBytes} bytes`));
        const recipients = session.envelope.rcptTo.map((r) => r.address);
        const untrustedPeer = !trustedRelay(session.remoteAddress);
        receiveMessage(deps, { raw: Buffer.concat(chunks), transport: 'smtp', recipients, untrustedPeer }).then(
          (deliveries) => callback(null, `2.0.0 Accepted: ${deliveries.map((d) => d.ticketNumber ?? d.outcome).join(', ')}`),
          (error: Error) => {
            if (error instanceof AppError && error.code === 'NOT_FOUND') return callback(smtpError(550, '5.1.1 No support address among the recipients'));
            deps.log?.warn({ err: error }, 'smtp: a message was not committed; the sender is told to retry');
            callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
          },
        );
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  server.on('error', (error) => deps.log?.error({ err: error }, 'smtp: listener error'));
  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const address = server.server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/**
 * Whether an SMTP peer is a relay of MAIL_TRUSTED_RELAYS, the MTA that checked the sender and wrote
 * the message's Authentication-Results. Anyone else reaching the port writes those fields itself.
 */
export function relayList(relays: readonly string[]): (address: string) => boolean {
  const list = new BlockList();
  for (const relay of relays) {
    const [address = '', prefix] = relay.split('/');
    const family = isIPv6(address) ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(prefix), family);
  }
  return (address) => {
    // An IPv4 peer on a dual-stack socket comes as ::ffff:a.b.c.d.
    const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    if (v4) return list.check(v4, 'ipv4');
    if (!isIP(address)) return false;
    return isIPv6(address) ? list.check(address, 'ipv6') : list.check(address, 'ipv4');
  };
}
