import net from 'node:net';
import { TestServer } from './support/test-server';

/** Opens a raw connection, sends `head`, then stalls; resolves with what the server sent and when. */
function stallAfter(url: string, head: string): Promise<{ response: string; ms: number }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let response = '';
    const socket = net.connect(Number(port), hostname, () => socket.write(head));
    socket.on('data', (chunk) => (response += chunk.toString()));
    socket.on('error', reject);
    socket.on('close', () => resolve({ response, ms: Date.now() - started }));
  });
}

describe('REQUEST_TIMEOUT_MS bounds how long a client may take to send its request', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start({ config: { requestTimeoutMs: 500 } });
  });
  afterAll(() => server.close());

  test('a body that never finishes arriving gets 408 and a closed connection', async () => {
    const { response, ms } = await stallAfter(
      server.url,
      'POST /graphql HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\n' +
        'content-length: 1000\r\n\r\n{"query":',
    );
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(5000);
  });

  test('headers sent one at a time (slowloris) get the same', async () => {
    const { response, ms } = await stallAfter(server.url, 'GET /healthz HTTP/1.1\r\nhost: x\r\n');
    expect(response).toMatch(/^HTTP\/1\.1 408 /);
    expect(ms).toBeLessThan(5000);
  });

  test('a request sent in time is served as usual', async () => {
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  });
});
