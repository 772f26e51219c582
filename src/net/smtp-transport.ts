import type { Transporter } from 'nodemailer';
import type { Outbound } from './guarded-connect.ts';

/**
 * A nodemailer SMTP transport for `smtp(s)://user:password@host:port` whose connections come from
 * the guarded connector: nodemailer's `getSocket` hook hands it a socket to the checked address,
 * so nodemailer never resolves or connects by itself. TLS (smtps, STARTTLS) is then nodemailer's,
 * verified against the host name of the URL.
 *
 * nodemailer is loaded on the first transport, not with the server: a desk that sends no mail never
 * holds it (bench/README.md, "Server memory").
 */
export async function guardedSmtpTransport(outbound: Outbound, url: string, timeouts: { greetingMs?: number; socketMs?: number } = {}): Promise<Transporter> {
  const { default: nodemailer } = await import('nodemailer');
  return nodemailer.createTransport({
    url,
    connectionTimeout: outbound.timeoutMs,
    greetingTimeout: timeouts.greetingMs ?? 30_000,
    socketTimeout: timeouts.socketMs ?? 60_000,
    getSocket: (options: { host?: string | undefined; port?: number | string | undefined; secure?: boolean | undefined }, callback: (error: Error | null, socket?: object) => void) => {
      const port = Number(options.port) || (options.secure ? 465 : 587);
      outbound.connect({ host: options.host ?? 'localhost', port, what: 'SMTP relay' }).then(
        (connection) => callback(null, { connection }),
        (error: Error) => callback(error),
      );
    },
  });
}
