import { request, type IncomingMessage } from 'node:http';

/** One server-sent event as received: its name and its data parsed as JSON. */
export type ReceivedEvent = { event: string; data: Record<string, unknown> };

/**
 * A real HTTP client of a `text/event-stream` answer (GET /api/v1/events): it keeps every event
 * received, and waits for the one a test expects. Closing it disconnects like a browser tab would.
 */
export class EventStreamClient {
  readonly events: ReceivedEvent[] = [];
  status = 0;
  ended = false;
  body = '';
  #waiters = new Set<() => void>();
  #response: IncomingMessage | undefined;
  #abort = new AbortController();

  private constructor() {}

  /** Opens the stream on 127.0.0.1:`port` with `headers` (Host, Cookie or Authorization); resolves once its head arrives. */
  static open(port: number, headers: Record<string, string>): Promise<EventStreamClient> {
    const client = new EventStreamClient();
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, path: '/api/v1/events', headers: { accept: 'text/event-stream', ...headers }, signal: client.#abort.signal }, (res) => {
        client.#response = res;
        client.status = res.statusCode ?? 0;
        let buffer = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          client.body += chunk;
          buffer += chunk;
          let cut: number;
          while ((cut = buffer.indexOf('\n\n')) >= 0) {
            client.#frame(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
          }
        });
        res.on('close', () => {
          client.ended = true;
          client.#wake();
        });
        resolve(client);
      });
      req.on('error', (error) => (client.#abort.signal.aborted ? undefined : reject(error)));
      req.end();
    });
  }

  /** The first event received (already or within `timeoutMs`) that `match` accepts. */
  async next(match: (e: ReceivedEvent) => boolean, what: string, timeoutMs = 10_000): Promise<ReceivedEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (this.ended) throw new Error(`the stream ended before ${what}; received: ${JSON.stringify(this.events)}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.events)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiters.add(() => (clearTimeout(timer), resolve()));
      });
    }
  }

  /** Resolves once the server ended the stream. */
  async end(what: string, timeoutMs = 10_000): Promise<void> {
    await this.next(() => false, what, timeoutMs).catch((error: Error) => {
      if (!this.ended) throw error;
    });
  }

  /** Events about one ticket. */
  about(ticketId: string): ReceivedEvent[] {
    return this.events.filter((e) => e.data.ticketId === ticketId);
  }

  close(): void {
    this.#abort.abort();
    this.#response?.destroy();
  }

  #frame(text: string): void {
    let event = 'message';
    let data = '';
    for (const line of text.split('\n')) {
      if (line.startsWith('event: ')) event = line.slice(7);
      else if (line.startsWith('data: ')) data += line.slice(6);
    }
    if (!data) return;
    this.events.push({ event, data: JSON.parse(data) as Record<string, unknown> });
    this.#wake();
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
    this.#waiters.clear();
  }
}
