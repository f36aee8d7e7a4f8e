import { TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

/** The value of one sample of the Prometheus text, found by its name and exact labels. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  for (const line of text.split('\n')) {
    const match = /^([a-z_]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = match[2] ? match[2].split(',') : [];
    if (present.length === wanted.length && wanted.every((label) => present.includes(label))) {
      return Number(match[3]);
    }
  }
  throw new Error(`no sample ${name}{${wanted.join(',')}} in:\n${text}`);
}

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

test('/metrics counts requests by route and GraphQL operation, with latency buckets, pool use and statements', async () => {
  const org = await TestOrganization.create(server.db);
  const audience = await org.audience('Measured');
  const headers = { 'x-api-key': org.apiKey };
  for (let index = 0; index < 3; index += 1) {
    expect((await fetch(`${server.url}/api/audience/${audience.id}`, { headers })).status).toBe(
      200,
    );
  }
  expect((await fetch(`${server.url}/api/audience/not-a-uuid`, { headers })).status).toBe(400);
  await server.graphql('{ audiences { meta { total } } }', {}, org.apiKey);
  await server.graphql('query Named { audiences { meta { total } } }', {}, org.apiKey);
  const missing = await server.graphql(
    'mutation($id: ID!) { deleteAudience(id: $id) { id } }',
    { id: '00000000-0000-4000-8000-000000000000' },
    org.apiKey,
  );
  expect(missing.errors?.[0]?.extensions.code).toBe('NOT_FOUND');

  const response = await fetch(`${server.url}/metrics`);
  expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
  const text = await response.text();

  const byId = { method: 'GET', route: '/api/audience/:id', status: '200' };
  expect(sample(text, 'audience_gateway_http_request_duration_seconds_count', byId)).toBe(3);
  expect(
    sample(text, 'audience_gateway_http_request_duration_seconds_bucket', { ...byId, le: '+Inf' }),
  ).toBe(3);
  expect(
    sample(text, 'audience_gateway_http_request_duration_seconds_count', {
      ...byId,
      status: '400',
    }),
  ).toBe(1);
  // Routes are labelled as declared: the ids requested never become label values.
  expect(text).not.toContain(audience.id);

  const query = { operation: 'query audiences', outcome: 'ok' };
  expect(sample(text, 'audience_gateway_graphql_operation_duration_seconds_count', query)).toBe(2);
  expect(
    sample(text, 'audience_gateway_graphql_operation_duration_seconds_count', {
      operation: 'mutation deleteAudience',
      outcome: 'error',
    }),
  ).toBe(1);
  expect(text).not.toContain('Named');

  expect(sample(text, 'audience_gateway_sql_statements_total')).toBeGreaterThan(0);
  expect(sample(text, 'audience_gateway_db_pool_connections_max')).toBe(4);
  const open =
    sample(text, 'audience_gateway_db_pool_connections_in_use') +
    sample(text, 'audience_gateway_db_pool_connections_idle');
  expect(open).toBeGreaterThanOrEqual(1);
  expect(open).toBeLessThanOrEqual(4);
  expect(sample(text, 'audience_gateway_db_pool_acquires_pending')).toBe(0);
});

test('requests for unknown paths share one label', async () => {
  await fetch(`${server.url}/no/such/path/${Date.now()}`);
  const text = await (await fetch(`${server.url}/metrics`)).text();
  expect(
    sample(text, 'audience_gateway_http_request_duration_seconds_count', {
      method: 'GET',
      route: 'unmatched',
      status: '404',
    }),
  ).toBeGreaterThanOrEqual(1);
  expect(text).not.toContain('/no/such/path');
});
