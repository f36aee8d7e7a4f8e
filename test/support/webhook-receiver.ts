import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One message a receiver got. */
export interface Received {
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The event, parsed. */
  event: { id: string; sequence: number; type: string; data: any; [field: string]: unknown };
  at: number;
  path: string;
}

/**
 * A real HTTP receiver of webhooks on 127.0.0.1, as a customer's endpoint would be: it records
 * every message and answers what `answer` says (200 unless told otherwise), after `delayMs`.
 */
export class WebhookReceiver {
  readonly received: Received[] = [];
  answer: (message: Received) => number = () => 200;
  delayMs = 0;
  /** How long to wait before answering a message; `delayMs` for every one unless set. */
  delayOf: (message: Received) => number = () => this.delayMs;
  private constructor(
    private readonly server: http.Server,
    readonly url: string,
  ) {}

  static async start(): Promise<WebhookReceiver> {
    const server = http.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}`);
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const message: Received = {
          headers: request.headers,
          body,
          event: JSON.parse(body),
          at: Date.now(),
          path: request.url ?? '/',
        };
        receiver.received.push(message);
        const status = receiver.answer(message);
        const headers =
          status >= 300 && status < 400 ? { location: `${receiver.url}/elsewhere` } : {};
        setTimeout(() => response.writeHead(status, headers).end('ok'), receiver.delayOf(message));
      });
    });
    return receiver;
  }

  /** The messages sent to one path of this receiver (`/a`), in the order they came. */
  at(path: string): Received[] {
    return this.received.filter((message) => message.path === path);
  }

  /** Waits until `done` holds of what was received, for at most `timeoutMs`. */
  async until(done: (received: Received[]) => boolean, timeoutMs = 10_000): Promise<void> {
    const started = Date.now();
    while (!done(this.received)) {
      if (Date.now() - started > timeoutMs) {
        throw new Error(`the receiver got ${this.received.length} messages, not what was awaited`);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
