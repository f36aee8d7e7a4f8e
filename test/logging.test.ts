import { readableLogStream } from '../src/server/readable-log';
import { TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';

// One structured line per request: method, path, status, time and organization; never the key,
// the query string or a body.
let server: TestServer;
const lines: string[] = [];
beforeAll(async () => {
  server = await TestServer.start({
    config: { logLevel: 'info', nodeEnv: 'test', playground: true, introspection: true },
    logStream: { write: (line: string) => void lines.push(line) },
  });
});
afterAll(() => server.close());

test('each request is one JSON line with method, path, status, time and organization', async () => {
  const org = await TestOrganization.create(server.db);
  lines.length = 0;
  const secret = 'description-that-must-not-be-logged';
  await server.graphql(
    `mutation { createAudience(input: { name: "Logged", description: "${secret}" }) { id } }`,
    {},
    org.apiKey,
  );
  await rest(server.url, 'GET', '/api/audience?search=private-search-term', { apiKey: org.apiKey });
  await rest(server.url, 'POST', '/api/audience', {
    apiKey: org.apiKey,
    json: { name: 'x', description: secret },
  });
  await rest(server.url, 'GET', '/api/audience', { apiKey: 'agk_wrong' });

  const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
  expect(
    requests.map(({ method, path, status, organizationId }) => ({
      method,
      path,
      status,
      organizationId,
    })),
  ).toEqual([
    { method: 'POST', path: '/graphql', status: 200, organizationId: org.organizationId },
    { method: 'GET', path: '/api/audience', status: 200, organizationId: org.organizationId },
    { method: 'POST', path: '/api/audience', status: 400, organizationId: org.organizationId },
    { method: 'GET', path: '/api/audience', status: 401, organizationId: undefined },
  ]);
  for (const entry of requests) expect(typeof entry.ms).toBe('number');
  const everything = lines.join('\n');
  expect(everything).not.toContain(org.apiKey);
  expect(everything).not.toContain('agk_wrong');
  expect(everything).not.toContain(secret);
  expect(everything).not.toContain('private-search-term');
});

test('a request the router refuses before any route (a malformed URL) is logged like any other', async () => {
  lines.length = 0;
  const response = await fetch(`${server.url}/api/audience/%zz`);
  expect(response.status).toBe(400);
  expect(await response.json()).toMatchObject({ message: 'the URL is malformed' });
  const requests = lines.map((line) => JSON.parse(line)).filter((entry) => entry.msg === 'request');
  expect(requests).toEqual([
    expect.objectContaining({ method: 'GET', path: '/api/audience/%zz', status: 400 }),
  ]);
});

test('on a terminal the log is lines for a person: time, level, message, fields; an error’s stack below', () => {
  const written: string[] = [];
  const stream = readableLogStream({ write: (text: string) => written.push(text) });
  stream.write(
    `${JSON.stringify({ level: 30, time: Date.UTC(2026, 10, 27, 12, 4, 5, 123), pid: 1, hostname: 'h', reqId: 'req-1', method: 'GET', path: '/api/audience', status: 200, ms: 3.1, msg: 'request' })}\n`,
  );
  stream.write(
    `${JSON.stringify({ level: 50, time: Date.UTC(2026, 10, 27, 12, 4, 6), err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at here' }, msg: 'unexpected error' })}\n`,
  );
  stream.write('not json\n');
  expect(written).toEqual([
    '12:04:05.123 INFO  request method=GET path=/api/audience status=200 ms=3.1\n',
    '12:04:06.000 ERROR unexpected error\nError: boom\n    at here\n',
    'not json\n',
  ]);
});
