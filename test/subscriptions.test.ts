import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';

// GraphQL subscriptions over graphql-ws (issue 24), driven by the graphql-ws client as an app
// would drive it.
let server: TestServer;
const clients: Client[] = [];
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(async () => {
  await Promise.all(clients.map((client) => client.dispose()));
  await server.close();
});

function connect(apiKey: string | undefined, onClosed?: (code: number) => void): Client {
  const client = createClient({
    url: `${server.url.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: apiKey === undefined ? {} : { 'x-api-key': apiKey },
    retryAttempts: 0,
    on: { closed: (event) => onClosed?.((event as { code: number }).code) },
  });
  clients.push(client);
  return client;
}

/** The feed's cursor now: a subscription from it gets exactly what commits afterwards. */
async function endCursor(org: TestOrganization): Promise<string> {
  const page = await rest(server.url, 'GET', '/api/events?limit=1000', { apiKey: org.apiKey });
  expect(page.body.meta.hasMore).toBe(false);
  return page.body.meta.nextCursor;
}

const EVENTS = `subscription($after: String, $types: [String!]) {
  events(after: $after, types: $types) { id sequence type data }
}`;

/**
 * The first `count` results of an operation over the WebSocket; an error graphql-ws answers
 * instead (thrown by its iterator as the list of errors) as one result `{ errors }`.
 */
async function take(
  client: Client,
  variables: Record<string, unknown>,
  count: number,
  query = EVENTS,
) {
  const results: any[] = [];
  try {
    for await (const result of client.iterate({ query, variables })) {
      results.push(result);
      if (results.length === count || result.errors) break;
    }
  } catch (errors) {
    if (!Array.isArray(errors)) throw errors;
    results.push({ errors });
  }
  return results;
}

test('a subscription gets its organization’s events as they commit, in order, of its types, and no one else’s', async () => {
  const org = await TestOrganization.create(server.db);
  const other = await TestOrganization.create(server.db);
  const after = await endCursor(org);
  const received = take(
    connect(org.apiKey),
    { after, types: ['audience.created', 'contact.created'] },
    3,
  );
  const otherAfter = await endCursor(other);
  const theirs = take(connect(other.apiKey), { after: otherAfter }, 1);
  // Theirs first: a subscription that saw another organization's events would get it first.
  await other.audience('Theirs');
  await org.audience('Live one');
  await org.contacts(1);
  await org.audience('Live two');
  const results = await received;
  expect(results.every((result) => result.errors === undefined)).toBe(true);
  expect(results.map((result) => result.data.events.type)).toEqual([
    'audience.created',
    'contact.created',
    'audience.created',
  ]);
  const feed = await rest(server.url, 'GET', `/api/events?after=${after}`, { apiKey: org.apiKey });
  expect(results.map((result) => result.data.events.id)).toEqual(
    feed.body.data.map((event: { id: string }) => event.id),
  );
  const [their] = await theirs;
  expect(their.data.events.data.audience.name).toBe('Theirs');
});

test('without a cursor, the events that commit from now on', async () => {
  const org = await TestOrganization.create(server.db);
  await org.audience('Before');
  const client = connect(org.apiKey);
  const received = take(client, {}, 1);
  // The subscription starts at the end of the feed once it is set up; write until it sees one.
  let written = 0;
  const writer = (async () => {
    while (written < 50) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      await org.audience(`After ${(written += 1)}`);
    }
  })();
  const [result] = await received;
  written = 50;
  await writer;
  expect(result.data.events.data.audience.name).toMatch(/^After /);
});

test('no key, a wrong key or a revoked key: the connection is refused or ended (4403)', async () => {
  const org = await TestOrganization.create(server.db);
  for (const apiKey of [undefined, 'agk_not-a-key', `${org.apiKey}x`]) {
    let closed: number | undefined;
    const results = await take(
      connect(apiKey, (code) => (closed = code)),
      {},
      1,
    ).catch((error: unknown) => error);
    expect([apiKey, closed]).toEqual([apiKey, 4403]);
    expect(results).toBeDefined();
  }
  let closed: number | undefined;
  const client = connect(org.apiKey, (code) => (closed = code));
  const running = take(client, { after: await endCursor(org) }, 1).catch((error: unknown) => error);
  await new Promise((resolve) => setTimeout(resolve, 300));
  await server.db.raw('update api_key set revoked_at = now() where id = ?', [org.apiKeyId]);
  await running;
  expect(closed).toBe(4403);
});

test('only subscriptions are taken, at most 10 at once per key; bad arguments are BAD_USER_INPUT', async () => {
  const org = await TestOrganization.create(server.db);
  const client = connect(org.apiKey);
  const [query] = await take(client, {}, 1, '{ audiences { meta { total } } }');
  expect(query.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  const [badTypes] = await take(client, { types: ['audience.exploded'] }, 1);
  expect(badTypes.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  const [badCursor] = await take(client, { after: 'nonsense' }, 1);
  expect(badCursor.errors[0].extensions.code).toBe('BAD_USER_INPUT');
  // Ten open subscriptions (over two connections), and the eleventh is refused.
  const other = connect(org.apiKey);
  const unsubscribers: (() => void)[] = [];
  for (let index = 0; index < 10; index += 1) {
    unsubscribers.push(
      (index % 2 ? client : other).subscribe(
        { query: EVENTS, variables: {} },
        { next: () => undefined, error: () => undefined, complete: () => undefined },
      ),
    );
  }
  await new Promise((resolve) => setTimeout(resolve, 300));
  const [refused] = await take(client, {}, 1);
  expect(refused.errors[0].extensions.code).toBe('RATE_LIMITED');
  // One completed, and one more may open.
  unsubscribers[0]!();
  await new Promise((resolve) => setTimeout(resolve, 200));
  const after = await endCursor(org);
  const accepted = take(client, { after }, 1);
  await org.audience('Room again');
  const [result] = await accepted;
  expect(result.errors).toBeUndefined();
  for (const unsubscribe of unsubscribers) unsubscribe();
});
