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
