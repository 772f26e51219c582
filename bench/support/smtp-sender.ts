import { connect, type Socket } from 'node:net';

/**
 * A lean SMTP load generator: `connections` sessions on loopback, each sending the messages it takes
 * from one shared queue, one after the other, as a mail server's outgoing queue does: EHLO once, then
 * per message MAIL FROM, RCPT TO, DATA and the message, each waiting for its answer (no PIPELINING,
 * so the listener sees the same exchange as from nodemailer), QUIT at the end.
 *
 * Why not nodemailer's pool: on this 2-core machine the clients share the CPU with the desk, and
 * nodemailer's SMTP connection (streams, dot-stuffing transform, logging hooks) took about 1 ms of
 * CPU per message, an eighth of the whole; here the messages are dot-stuffed before the clock starts
 * and a message costs a few socket writes. Each answer is kept as the SMTP server wrote it.
 */
export type Envelope = { from: string; to: string; raw: Buffer };
export type Answer = { ok: boolean; response: string };

/** A message's bytes as they go after DATA: lines starting with a dot get another, then CRLF.CRLF. */
export function dataBlock(raw: Buffer): Buffer {
  const text = raw.toString('latin1').replace(/\r?\n/g, '\r\n');
  const stuffed = (text.startsWith('.') ? '.' : '') + text.replace(/\r\n\./g, '\r\n..');
  return Buffer.from(`${stuffed}${stuffed.endsWith('\r\n') ? '' : '\r\n'}.\r\n`, 'latin1');
}

/** The last line of a reply: "ddd text", a space after the code ("ddd-text" lines continue it). */
const REPLY_END = /(^|\r\n)\d{3} [^\r\n]*\r\n/;

/** One SMTP session's replies, in order: each resolves with the full (possibly multi-line) reply. */
class Session {
  readonly #socket: Socket;
  #buffered = '';
  readonly #waiting: Array<(reply: string) => void> = [];
  readonly #replies: string[] = [];
  #closed: string | undefined;

  constructor(socket: Socket) {
    this.#socket = socket;
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.#read(chunk));
    // A connection that ends or fails answers every pending and later command, so no send waits forever.
    const close = (why: string) => {
      this.#closed ??= `421 ${why}`;
      for (const waiter of this.#waiting.splice(0)) waiter(this.#closed);
    };
    socket.on('close', () => close('connection closed'));
    socket.on('error', (error) => close(error.message));
  }

  #read(chunk: string): void {
    this.#buffered += chunk;
    for (let end = REPLY_END.exec(this.#buffered); end; end = REPLY_END.exec(this.#buffered)) {
      const length = end.index + end[0].length;
      const reply = this.#buffered.slice(0, length).trimEnd();
      this.#buffered = this.#buffered.slice(length);
      const waiter = this.#waiting.shift();
      if (waiter) waiter(reply);
      else this.#replies.push(reply);
    }
  }

  reply(): Promise<string> {
    const ready = this.#replies.shift() ?? this.#closed;
    return ready !== undefined ? Promise.resolve(ready) : new Promise((resolve) => this.#waiting.push(resolve));
  }

  async send(line: string | Buffer): Promise<string> {
    if (!this.#closed) this.#socket.write(line);
    return this.reply();
  }
}

const ok = (reply: string, code: string) => reply.startsWith(code);

async function session(port: number, queue: Iterator<[number, Envelope]>, answers: Answer[]): Promise<void> {
  const socket = connect({ host: '127.0.0.1', port });
  await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
  socket.setNoDelay(true);
  const smtp = new Session(socket);
  try {
    if (!ok(await smtp.reply(), '220') || !ok(await smtp.send('EHLO bench.test\r\n'), '250')) throw new Error('the SMTP listener did not greet');
    for (let next = queue.next(); !next.done; next = queue.next()) {
      const [i, mail] = next.value;
      const steps: Array<[string | Buffer, string]> = [[`MAIL FROM:<${mail.from}>\r\n`, '250'], [`RCPT TO:<${mail.to}>\r\n`, '250'], ['DATA\r\n', '354'], [mail.raw, '250']];
      let reply = '';
      let accepted = true;
      for (const [line, expected] of steps) {
        reply = await smtp.send(line);
        if (!ok(reply, expected)) {
          accepted = false;
          break;
        }
      }
      answers[i] = { ok: accepted, response: reply };
      if (!accepted) await smtp.send('RSET\r\n');
    }
    await smtp.send('QUIT\r\n');
  } finally {
    socket.end();
  }
}

/** Sends every message over `connections` sessions; resolves with each one's final answer, in order. */
export async function sendAll(port: number, connections: number, mails: Envelope[]): Promise<Answer[]> {
  const answers: Answer[] = new Array(mails.length);
  const queue = mails.entries();
  await Promise.all(Array.from({ length: Math.min(connections, mails.length) }, () => session(port, queue, answers)));
  return answers;
}
