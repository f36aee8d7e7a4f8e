import { request } from 'node:http';
import { TestOrganization } from './support/fixtures';
import { longOr } from './support/load';
import { freePort, ServiceProcess } from './support/processes';
import { TestServer } from './support/test-server';

// Writes the server holds when SIGTERM comes (each waits on the pool or runs), and the clients
// reading all along.
const WRITES = longOr(20, 100);
const IDS_PER_WRITE = 2000;
const READERS = longOr(10, 50);

test(
  'SIGTERM under load: every request in flight finishes, nothing is answered with an error, the process exits 0',
  async () => {
    const setup = await TestServer.start();
    const org = await TestOrganization.create(setup.db);
    const audience = await org.audience('Shutdown');
    const contacts = (await org.contacts(WRITES * 100 + IDS_PER_WRITE)).map(
      (contact) => contact.id,
    );
    await setup.close();

    const port = await freePort();
    const service = new ServiceProcess({
      DATABASE_URL: process.env.TEST_DATABASE_URL,
      PORT: String(port),
      LOG_LEVEL: 'info',
      RATE_LIMIT_PER_MINUTE: '0',
      // Longer than the default 500 ms: on a machine as loaded as CI's, a request sent before
      // SIGTERM can wait that long to be accepted, and it is one in flight all the same.
      SHUTDOWN_DRAIN_MS: '3000',
    });
    const base = `http://127.0.0.1:${port}`;
    // Timings in ms from the start, printed if the test fails.
    const t0 = Date.now();
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${what} +${Date.now() - t0}`);
    void service.exited.then((code) => mark(`exited ${code}`));
    const headers = { 'content-type': 'application/json', 'x-api-key': org.apiKey };
    try {
      await service.waitFor(/is listening on/);

      // Readers: a read sent before SIGTERM must be answered 200. One sent after it may instead
      // be refused: a 503 with `connection: close` once the server is closing, or a connection
      // refused or closed before the request was read. Never a 500, never a broken response.
      let reading = true;
      let stopped = Number.POSITIVE_INFINITY;
      const reads: { started: number; status: number }[] = [];
      const refusals: string[] = [];
      const readers = Array.from({ length: READERS }, async () => {
        while (reading) {
          const started = Date.now();
          try {
            const response = await fetch(`${base}/api/audience?limit=5`, { headers });
            reads.push({ started, status: response.status });
            await response.text();
          } catch (error) {
            refusals.push(String((error as { cause?: { code?: string } }).cause?.code ?? error));
            return;
          }
        }
      });

      // SIGTERM goes once every write is sent whole: on a busy machine, a request still in the
      // client when the server closes is not one "in flight".
      const sent: Promise<void>[] = [];
      const writes = Array.from({ length: WRITES }, async (_, index) => {
        const ids = contacts.slice(index * 100, index * 100 + IDS_PER_WRITE);
        const write = post(
          `${base}/api/audience/${audience.id}/add-contacts`,
          headers,
          JSON.stringify({ contacts: ids }),
        );
        sent.push(write.sent);
        const response = await write.answered;
        return { ids, status: response.status, body: JSON.parse(response.body) as unknown };
      });
      await Promise.all(sent);
      mark('sent');
      await new Promise((resolve) => setTimeout(resolve, 100));
      stopped = Date.now();
      const exited = service.stop('SIGTERM');
      mark('sigterm');

      // Draining (SHUTDOWN_DRAIN_MS): still answering, but not ready, and
      // closing each connection after its response.
      await new Promise((resolve) => setTimeout(resolve, 150));
      mark('readyz');
      const readiness = await fetch(`${base}/readyz`);
      expect(readiness.status).toBe(503);
      expect(readiness.headers.get('connection')).toBe('close');
      expect(await readiness.json()).toEqual({ status: 'not ready', reason: 'shutting down' });

      const written = await Promise.all(writes);
      const code = await exited;
      const exitMs = Date.now() - stopped;
      reading = false;
      await Promise.all(readers);

      for (const { ids, status, body } of written) {
        expect(status).toBe(200);
        expect(body).toEqual(ids);
      }
      expect(code).toBe(0);
      const before = reads.filter((read) => read.started < stopped);
      const after = reads.filter((read) => read.started >= stopped);
      expect(before.length).toBeGreaterThan(0);
      expect(before.filter((read) => read.status !== 200)).toEqual([]);
      expect(after.filter((read) => read.status !== 200 && read.status !== 503)).toEqual([]);
      for (const refusal of refusals)
        expect(refusal).toMatch(/ECONNREFUSED|ECONNRESET|UND_ERR_SOCKET/);
      console.log(
        `shutdown under load: ${WRITES} writes of ${IDS_PER_WRITE} ids in flight and ${READERS} readers ` +
          `(${reads.length} reads answered, ${after.filter((read) => read.status === 503).length} of them ` +
          `503 after the close, ${refusals.length} connections refused); exited ` +
          `${exitMs} ms after SIGTERM`,
      );

      // What was acknowledged is there.
      const check = await TestServer.start();
      try {
        const union = new Set(written.flatMap(({ ids }) => ids));
        expect(await check.countRows('audience_contact', { audience_id: audience.id })).toBe(
          union.size,
        );
      } finally {
        await check.close();
      }
    } catch (error) {
      // What happened when, and the service's own log, for whoever reads a failure.
      console.log(`${marks.join(', ')}\n${service.output.slice(-6000)}`);
      throw error;
    } finally {
      await service.stop('SIGKILL').catch(() => undefined);
    }
  },
  longOr(120_000, 600_000),
);

/** A POST whose `sent` resolves once the whole request is written to the connection. */
function post(url: string, headers: Record<string, string>, body: string) {
  let markSent!: () => void;
  const sent = new Promise<void>((resolve) => (markSent = resolve));
  const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
    const outgoing = request(url, { method: 'POST', headers }, (response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body: text }));
      response.on('error', reject);
    });
    outgoing.on('error', reject);
    outgoing.on('finish', markSent);
    outgoing.end(body);
  });
  return { sent, answered };
}
