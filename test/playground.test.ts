import { TestServer } from './support/test-server';

const page = (server: TestServer) =>
  fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });

describe('with the playground on', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await TestServer.start({ demoApiKey: 'agk_demo-key-for-the-test' });
  });
  afterAll(() => server.close());

  test('a browser GET of /graphql gets GraphiQL with the demo key and the sample operation', async () => {
    const response = await page(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const html = await response.text();
    const settings = JSON.parse(
      /<script type="application\/json" id="playground-settings">(.*?)<\/script>/s.exec(html)![1]!,
    );
    expect(settings.endpoint).toBe('/graphql');
    expect(JSON.parse(settings.headers)).toEqual({ 'x-api-key': 'agk_demo-key-for-the-test' });
    expect(settings.query).toContain('contactCount');
    expect(html).not.toMatch(/<script>(?!<)/); // no inline script
  });

  test('every asset the page loads is served from here', async () => {
    const html = await (await page(server)).text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map(([, url]) => url!);
    expect(assets).toHaveLength(5);
    for (const asset of assets) {
      expect(asset).toMatch(/^\/graphql\/playground\//);
      const response = await fetch(`${server.url}${asset}`);
      expect([asset, response.status, (await response.arrayBuffer()).byteLength > 100]).toEqual([
        asset,
        200,
        true,
      ]);
    }
  });

  test('GraphQL over GET and POST still works beside it', async () => {
    const get = await fetch(`${server.url}/graphql?query=${encodeURIComponent('{ __typename }')}`, {
      headers: { 'apollo-require-preflight': 'true' },
    });
    expect(await get.json()).toEqual({ data: { __typename: 'Query' } });
    expect((await server.graphql('{ __typename }')).data).toEqual({ __typename: 'Query' });
  });
});

test('without a demo key the header editor starts empty', async () => {
  const server = await TestServer.start();
  try {
    const html = await (await page(server)).text();
    const settings = JSON.parse(/id="playground-settings">(.*?)<\/script>/s.exec(html)![1]!);
    expect(settings.headers).toBeUndefined();
  } finally {
    await server.close();
  }
});

test('in production the playground and introspection are off', async () => {
  const server = await TestServer.start({
    config: { logLevel: 'silent', nodeEnv: 'production', playground: false, introspection: false },
  });
  try {
    const response = await page(server);
    expect(response.headers.get('content-type')).not.toMatch(/text\/html/);
    await response.arrayBuffer();
    expect((await fetch(`${server.url}/graphql/playground/graphiql.min.js`)).status).toBe(404);
    const introspection = await server.graphql('{ __schema { types { name } } }');
    expect(introspection.errors![0]!.extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(introspection.errors![0]!.message).toMatch(/introspection/i);
  } finally {
    await server.close();
  }
});

test('every response carries the security headers, with a policy that keeps scripts to this origin', async () => {
  const server = await TestServer.start();
  try {
    for (const url of ['/graphql', '/api/audience', '/api/docs/', '/healthz', '/nowhere']) {
      const response = await fetch(`${server.url}${url}`, { headers: { accept: 'text/html' } });
      await response.arrayBuffer();
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=/);
    }
  } finally {
    await server.close();
  }
});
