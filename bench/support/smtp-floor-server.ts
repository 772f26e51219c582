import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { sanitizeBody } from '../../src/desk/sanitize.ts';
import { PARSE_OPTIONS } from '../../src/mail/receive-message.ts';
import type { FloorServerReady } from './floor-server.ts';

/**
 * The mail half of bench/throughput-floor.ts, in a child process like the real listener's bench
 * server: smtp-server on 127.0.0.1 doing only what no intake can skip, receiving the message, parsing
 * it with mailparser and sanitising its HTML, then answering 250. No database, no tenancy.
 */

const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['AUTH', 'STARTTLS'],
  logger: false,
  onData(stream, _session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      simpleParser(Buffer.concat(chunks), PARSE_OPTIONS).then(
        (parsed) => {
          if (typeof parsed.html === 'string') sanitizeBody(parsed.html);
          callback(null, '2.0.0 Accepted: floor');
        },
        (error: Error) => callback(error),
      );
    });
  },
});
server.listen(0, '127.0.0.1', () => {
  const address = server.server.address();
  if (!address || typeof address === 'string') throw new Error('the SMTP floor server has no TCP address');
  process.send!({ type: 'ready', port: address.port } satisfies FloorServerReady);
});
const stop = () => server.close(() => process.exit(0));
process.on('disconnect', stop);
process.on('SIGTERM', stop);
