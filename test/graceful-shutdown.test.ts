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
      LOG_LEVEL: 'warn',
      RATE_LIMIT_PER_MINUTE: '0',
    });
    const base = `http://127.0.0.1:${port}`;
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

      const writes = Array.from({ length: WRITES }, async (_, index) => {
        const ids = contacts.slice(index * 100, index * 100 + IDS_PER_WRITE);
        const response = await fetch(`${base}/api/audience/${audience.id}/add-contacts`, {
          method: 'POST',
          headers,
          body: JSON.stringify({ contacts: ids }),
        });
        return { ids, status: response.status, body: (await response.json()) as unknown };
      });
      await new Promise((resolve) => setTimeout(resolve, 100));
      stopped = Date.now();
      const exited = service.stop('SIGTERM');

      // Draining (SHUTDOWN_DRAIN_MS, 500 by default): still answering, but not ready, and
      // closing each connection after its response.
      await new Promise((resolve) => setTimeout(resolve, 150));
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
    } finally {
      await service.stop('SIGKILL').catch(() => undefined);
    }
  },
  longOr(120_000, 600_000),
);
