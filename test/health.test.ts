import { issueApiKey } from '../src/organization/api-key.service';
import { freePort, ServiceProcess } from './support/processes';
import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

test('/healthz answers while the process lives; /readyz only while the database does', async () => {
  const server = await TestServer.start();
  try {
    expect(await (await fetch(`${server.url}/healthz`)).json()).toEqual({ status: 'ok' });
    expect(await (await fetch(`${server.url}/readyz`)).json()).toEqual({ status: 'ready' });
    await server.orm.close(true);
    const notReady = await fetch(`${server.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(await notReady.json()).toEqual({
      status: 'not ready',
      reason: 'the database does not answer',
    });
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
  } finally {
    await server.app.close();
  }
});

test('SIGTERM lets a request in flight finish, then the process exits 0', async () => {
  const setup = await TestServer.start();
  const org = await TestOrganization.create(setup.db);
  const audience = await org.audience('Shutdown');
  const contacts = (await org.contacts(5000)).map((contact) => contact.id);
  const { apiKey } = await issueApiKey(setup.db, org.organizationId, org.userId);
  await setup.close();

  const port = await freePort();
  const service = new ServiceProcess({
    DATABASE_URL: process.env.TEST_DATABASE_URL,
    PORT: String(port),
    LOG_LEVEL: 'warn',
  });
  try {
    await service.waitFor(/is listening on/);
    const inFlight = fetch(`http://127.0.0.1:${port}/api/audience/${audience.id}/add-contacts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': apiKey },
      body: JSON.stringify({ contacts }),
    });
    await new Promise((resolve) => setTimeout(resolve, 20));
    const exited = service.stop('SIGTERM');
    const response = await inFlight;
    expect(response.status).toBe(200);
    expect(await response.json()).toHaveLength(5000);
    expect(await exited).toBe(0);
  } finally {
    await service.stop('SIGKILL').catch(() => undefined);
  }
});
