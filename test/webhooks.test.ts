import { Webhook } from 'standardwebhooks';
import { vetWebhookUrl } from '../src/webhook/webhook-url';
import { postWebhook } from '../src/webhook/webhook-sender';
import { retryDelayMs } from '../src/webhook/webhook-deliverer';
import { pruneEvents } from '../src/event/event-retention';
import { TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';
import { WebhookReceiver } from './support/webhook-receiver';

// Webhooks (issue 24): subscriptions, and deliveries to a real receiver that lose nothing. The
// receivers listen on 127.0.0.1 over http, which these instances allow (WEBHOOK_ALLOW_HTTP and
// WEBHOOK_ALLOW_PRIVATE, as in development); the strict rules are tested on their own below.
const ALLOW = { webhookAllowHttp: true, webhookAllowPrivate: true, webhookLeaseMs: 6000 };
let server: TestServer;
let receiver: WebhookReceiver;
beforeAll(async () => {
  [server, receiver] = await Promise.all([
    TestServer.start({ background: true, config: ALLOW }),
    WebhookReceiver.start(),
  ]);
});
afterAll(async () => {
  await server.close();
  await receiver.close();
});
beforeEach(() => {
  receiver.answer = () => 200;
  receiver.delayMs = 0;
  receiver.delayOf = () => receiver.delayMs;
});

let paths = 0;
/** A subscription of `org` to a path of its own on the receiver. */
async function subscribe(org: TestOrganization, events: string[], on = server) {
  const path = `/hook${(paths += 1)}`;
  const created = await rest(on.url, 'POST', '/api/webhooks', {
    apiKey: org.apiKey,
    json: { url: `${receiver.url}${path}`, events, description: 'test receiver' },
  });
  expect(created.status).toBe(201);
  return { ...created.body, path } as { id: string; secret: string; path: string };
}

/** The subscription once its deliverer has recorded a failed attempt (it does after the answer). */
async function recordedFailure(org: TestOrganization, id: string) {
  for (let tries = 0; ; tries += 1) {
    const state = await rest(server.url, 'GET', `/api/webhooks/${id}`, { apiKey: org.apiKey });
    if (state.body.failedAttempts >= 1) return state;
    expect(tries).toBeLessThan(400);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The organization's events through the feed, in order. */
async function feed(org: TestOrganization) {
  const page = await rest(server.url, 'GET', '/api/events?limit=1000', { apiKey: org.apiKey });
  return page.body.data as { id: string; sequence: number; type: string }[];
}

describe('subscriptions', () => {
  test('create answers the secret once; list, get, put and delete; another organization sees none', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    const created = await rest(server.url, 'POST', '/api/webhooks', {
      apiKey: org.apiKey,
      json: { url: `${receiver.url}/crud`, events: ['contact.created'] },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      url: `${receiver.url}/crud`,
      events: ['contact.created'],
      description: null,
      enabled: true,
      disabledReason: null,
      failedAttempts: 0,
    });
    expect(created.body.secret).toMatch(/^whsec_[A-Za-z0-9+/]{32}$/);
    const id = created.body.id;
    const listed = await rest(server.url, 'GET', '/api/webhooks', { apiKey: org.apiKey });
    expect(listed.body).toHaveLength(1);
    expect(listed.body[0]).not.toHaveProperty('secret');
    const changed = await rest(server.url, 'PUT', `/api/webhooks/${id}`, {
      apiKey: org.apiKey,
      json: { events: ['audience.created', 'audience.deleted'], description: 'renamed' },
    });
    expect(changed.body).toMatchObject({
      events: ['audience.created', 'audience.deleted'],
      description: 'renamed',
    });
    for (const [method, path] of [
      ['GET', `/api/webhooks/${id}`],
      ['PUT', `/api/webhooks/${id}`],
      ['DELETE', `/api/webhooks/${id}`],
      ['GET', `/api/webhooks/${id}/deliveries`],
    ] as const) {
      const answer = await rest(server.url, method, path, {
        apiKey: other.apiKey,
        ...(method === 'PUT' && { json: { description: 'theirs' } }),
      });
      expect([method, path, answer.status]).toEqual([method, path, 404]);
    }
    expect((await rest(server.url, 'GET', '/api/webhooks', { apiKey: other.apiKey })).body).toEqual(
      [],
    );
    const deleted = await rest(server.url, 'DELETE', `/api/webhooks/${id}`, { apiKey: org.apiKey });
    expect(deleted.status).toBe(200);
    expect(
      (await rest(server.url, 'GET', `/api/webhooks/${id}`, { apiKey: org.apiKey })).status,
    ).toBe(404);
  });

  test('bad input names its field', async () => {
    const org = await TestOrganization.create(server.db);
    for (const [json, field] of [
      [{ url: 'not a url', events: ['contact.created'] }, 'url'],
      [{ url: 'ftp://example.com/x', events: ['contact.created'] }, 'url'],
      [{ url: `${receiver.url}/x#part`, events: ['contact.created'] }, 'url'],
      [{ url: 'https://nowhere.invalid/hook', events: ['contact.created'] }, 'url'],
      [{ url: `${receiver.url}/x`, events: [] }, 'events'],
      [{ url: `${receiver.url}/x`, events: ['contact.exploded'] }, 'events'],
      [{ url: `${receiver.url}/x`, events: ['contact.created'], secret: 'mine' }, 'secret'],
    ] as const) {
      const answer = await rest(server.url, 'POST', '/api/webhooks', { apiKey: org.apiKey, json });
      expect([json, answer.status]).toEqual([json, 400]);
      expect(answer.body.message).toContain(field);
    }
    const graphql = await server.graphql(
      `mutation { createWebhook(input: { url: "gopher://x", events: ["contact.created"] }) { id } }`,
      {},
      org.apiKey,
    );
    expect(graphql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  test('strict rules: https only, and no loopback, private, link-local or metadata address, at setting and at delivery', async () => {
    const strict = { allowHttp: false, allowPrivate: false };
    for (const url of [
      'http://example.com/hook',
      'https://127.0.0.1/hook',
      'https://localhost/hook',
      'https://[::1]/hook',
      'https://10.1.2.3/hook',
      'https://172.20.0.1/hook',
      'https://192.168.1.1/hook',
      'https://169.254.169.254/latest/meta-data',
      'https://[fd00:ec2::254]/',
      'https://[::ffff:127.0.0.1]/hook',
      'https://100.100.100.200/',
      'https://0.0.0.0/',
    ]) {
      await expect(vetWebhookUrl(url, strict)).rejects.toThrow(/url/);
    }
    await expect(vetWebhookUrl('https://93.184.215.14/hook', strict)).resolves.toBeInstanceOf(URL);
    // At delivery too: a receiver on loopback never hears from a strict sender.
    const before = receiver.received.length;
    const loopback = await postWebhook(new URL(`${receiver.url}/strict`), {}, '{}', {
      allowHttp: true,
      allowPrivate: false,
    });
    expect(loopback).toMatchObject({ succeeded: false, statusCode: null });
    expect(loopback.error).toContain('not a public address');
    // A name that resolves to loopback, vetted as the connection is made.
    const byName = await postWebhook(
      new URL(receiver.url.replace('127.0.0.1', 'localhost')),
      {},
      '{}',
      { allowHttp: true, allowPrivate: false },
    );
    expect(byName.error).toContain('no public address');
    const plain = await postWebhook(new URL(`${receiver.url}/strict`), {}, '{}', strict);
    expect(plain.error).toContain('http is off');
    expect(receiver.received.length).toBe(before);
  });

  test('the retry schedule: about 5 s, 30 s, 2 min, 10 min, 30 min, then hourly', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 30].map(retryDelayMs)).toEqual([
      5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000, 3_600_000, 3_600_000,
    ]);
  });
});

describe('delivery', () => {
  test('events are delivered in order within a second, signed the Standard Webhooks way, only of the types asked for', async () => {
    const org = await TestOrganization.create(server.db);
    const hook = await subscribe(org, ['contact.created', 'audience.created']);
    const started = Date.now();
    await org.contacts(3);
    await org.audience('Delivered', { members: 0 });
    await receiver.until(() => receiver.at(hook.path).length === 4);
    const got = receiver.at(hook.path);
    expect(got.at(-1)!.at - started).toBeLessThan(2000);
    const events = (await feed(org)).filter((event) =>
      ['contact.created', 'audience.created'].includes(event.type),
    );
    expect(got.map((message) => message.event.id)).toEqual(events.map((event) => event.id));
    const verifier = new Webhook(hook.secret);
    for (const message of got) {
      expect(message.headers['webhook-id']).toBe(message.event.id);
      const verified = verifier.verify(message.body, {
        'webhook-id': message.headers['webhook-id'] as string,
        'webhook-timestamp': message.headers['webhook-timestamp'] as string,
        'webhook-signature': message.headers['webhook-signature'] as string,
      }) as { type: string; timestamp: string };
      expect(verified.type).toBe(message.event.type);
      expect(verified.timestamp).toBe(message.event.occurredAt);
    }
    // A tampered body fails verification, as a receiver would see it.
    expect(() =>
      verifier.verify(got[0]!.body.replace('contact', 'kontact'), {
        'webhook-id': got[0]!.headers['webhook-id'] as string,
        'webhook-timestamp': got[0]!.headers['webhook-timestamp'] as string,
        'webhook-signature': got[0]!.headers['webhook-signature'] as string,
      }),
    ).toThrow();
    const deliveries = await rest(server.url, 'GET', `/api/webhooks/${hook.id}/deliveries`, {
      apiKey: org.apiKey,
    });
    expect(deliveries.body.meta.total).toBe(4);
    expect(deliveries.body.data[0]).toMatchObject({
      statusCode: 200,
      succeeded: true,
      error: null,
    });
  });

  test('a receiver that fails gets every event afterwards, in order, with the same webhook-id', async () => {
    const org = await TestOrganization.create(server.db);
    const hook = await subscribe(org, ['audience.created']);
    let failing = true;
    receiver.answer = (message) => (message.path === hook.path && failing ? 503 : 200);
    await org.audience('First');
    await receiver.until(() => receiver.at(hook.path).length >= 1);
    await org.audience('Second');
    await org.audience('Third');
    // The first attempt failed; nothing else is sent until the retry, about 5 s later.
    const failed = await recordedFailure(org, hook.id);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.at(hook.path)).toHaveLength(1);
    expect(failed.body).toMatchObject({ failedAttempts: 1, enabled: true });
    expect(failed.body.failingSince).not.toBeNull();
    failing = false;
    await receiver.until(() => receiver.at(hook.path).length === 4, 15_000);
    const ids = receiver.at(hook.path).map((message) => message.event.id);
    const events = await feed(org);
    expect(ids).toEqual([events[0]!.id, events[0]!.id, events[1]!.id, events[2]!.id]);
    const after = await rest(server.url, 'GET', `/api/webhooks/${hook.id}`, { apiKey: org.apiKey });
    expect(after.body).toMatchObject({ failedAttempts: 0, failingSince: null });
    const deliveries = await rest(server.url, 'GET', `/api/webhooks/${hook.id}/deliveries`, {
      apiKey: org.apiKey,
    });
    expect(deliveries.body.data.map((entry: any) => entry.statusCode).reverse()).toEqual([
      503, 200, 200, 200,
    ]);
  });

  test('a subscription failing for 24 hours is disabled, not deleted; enabling it delivers from where it failed', async () => {
    const org = await TestOrganization.create(server.db);
    const hook = await subscribe(org, ['audience.created']);
    receiver.answer = (message) => (message.path === hook.path ? 500 : 200);
    await org.audience('Never received');
    await receiver.until(() => receiver.at(hook.path).length >= 1);
    // The failure recorded first (the deliverer writes it after the answer).
    await recordedFailure(org, hook.id);
    // It has been failing for a day: the next failure disables it.
    await server.db.raw(
      `update webhook_subscription set failing_since = now() - interval '25 hours', next_attempt_at = now()
       where id = ?`,
      [hook.id],
    );
    await receiver.until(() => receiver.at(hook.path).length >= 2);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const disabled = await rest(server.url, 'GET', `/api/webhooks/${hook.id}`, {
      apiKey: org.apiKey,
    });
    expect(disabled.body.enabled).toBe(false);
    expect(disabled.body.disabledReason).toContain('failing since');
    receiver.answer = () => 200;
    const enabled = await rest(server.url, 'PUT', `/api/webhooks/${hook.id}`, {
      apiKey: org.apiKey,
      json: { enabled: true },
    });
    expect(enabled.body).toMatchObject({ enabled: true, disabledReason: null, failedAttempts: 0 });
    await receiver.until(() => receiver.at(hook.path).length >= 3);
    const [event] = await feed(org);
    expect(receiver.at(hook.path).map((message) => message.event.id)).toEqual([
      event!.id,
      event!.id,
      event!.id,
    ]);
  });

  test('a receiver that hangs or redirects holds up neither another subscription nor the writes', async () => {
    const org = await TestOrganization.create(server.db);
    const hanging = await subscribe(org, ['audience.created']);
    const redirecting = await subscribe(org, ['audience.created']);
    const healthy = await subscribe(org, ['audience.created']);
    receiver.delayOf = (message) => (message.path === hanging.path ? 10_000 : 0);
    receiver.answer = (message) => (message.path === redirecting.path ? 302 : 200);
    const started = Date.now();
    await org.audience('While one hangs');
    const written = Date.now() - started;
    await receiver.until(() => receiver.at(healthy.path).length === 1);
    expect(receiver.at(healthy.path)[0]!.at - started).toBeLessThan(2000);
    expect(written).toBeLessThan(1000);
    await receiver.until(() => receiver.at(redirecting.path).length === 1);
    const redirected = await recordedFailure(org, redirecting.id);
    expect(redirected.body.failedAttempts).toBe(1);
    const attempts = await rest(server.url, 'GET', `/api/webhooks/${redirecting.id}/deliveries`, {
      apiKey: org.apiKey,
    });
    expect(attempts.body.data[0]).toMatchObject({
      statusCode: 302,
      succeeded: false,
      error: 'a redirect (not followed)',
    });
    expect(receiver.at('/elsewhere')).toEqual([]);
    // The hanging one fails at 5 s, as a timeout.
    const timedOut = await recordedFailure(org, hanging.id);
    const hung = await rest(server.url, 'GET', `/api/webhooks/${hanging.id}/deliveries`, {
      apiKey: org.apiKey,
    });
    expect(timedOut.body.failedAttempts).toBe(1);
    expect(hung.body.data[0]).toMatchObject({ statusCode: null, succeeded: false });
    expect(hung.body.data[0].error).toContain('no answer within 5 s');
    expect(hung.body.data[0].durationMs).toBeGreaterThanOrEqual(4900);
  });

  test('a subscription behind retention cannot go on from where it stopped: enabling it is GONE, a replay from a kept cursor starts it', async () => {
    const org = await TestOrganization.create(server.db);
    const hook = await subscribe(org, ['audience.created']);
    await rest(server.url, 'PUT', `/api/webhooks/${hook.id}`, {
      apiKey: org.apiKey,
      json: { enabled: false },
    });
    await org.audience('Pruned one');
    await org.audience('Pruned two');
    await server.db.raw(
      `update event set occurred_at = now() - interval '40 days' where organization_id = ?`,
      [org.organizationId],
    );
    await pruneEvents(server.db, 30);
    const enabled = await rest(server.url, 'PUT', `/api/webhooks/${hook.id}`, {
      apiKey: org.apiKey,
      json: { enabled: true },
    });
    expect(enabled.status).toBe(410);
    expect(enabled.body.message).toContain('enabled');
    const { body } = await rest(server.url, 'GET', '/api/events', { apiKey: org.apiKey });
    const replayed = await rest(server.url, 'POST', `/api/webhooks/${hook.id}/replay`, {
      apiKey: org.apiKey,
      json: { after: body.meta.nextCursor },
    });
    expect(replayed.status).toBe(200);
    expect(
      (
        await rest(server.url, 'PUT', `/api/webhooks/${hook.id}`, {
          apiKey: org.apiKey,
          json: { enabled: true },
        })
      ).status,
    ).toBe(200);
    await org.audience('Kept');
    await receiver.until(() => receiver.at(hook.path).length === 1);
    expect(receiver.at(hook.path)[0]!.event.data.audience.name).toBe('Kept');
  });

  test('a replay delivers again every event after a cursor, in order, with the same ids', async () => {
    const org = await TestOrganization.create(server.db);
    const hook = await subscribe(org, ['audience.created']);
    await org.audience('One');
    await org.audience('Two');
    await receiver.until(() => receiver.at(hook.path).length === 2);
    const first = await rest(server.url, 'GET', '/api/events?limit=1', { apiKey: org.apiKey });
    const replayed = await rest(server.url, 'POST', `/api/webhooks/${hook.id}/replay`, {
      apiKey: org.apiKey,
      json: { after: first.body.meta.nextCursor },
    });
    expect(replayed.status).toBe(200);
    await receiver.until(() => receiver.at(hook.path).length === 3);
    const ids = receiver.at(hook.path).map((message) => message.event.id);
    expect(ids[2]).toBe(ids[1]);
    const bad = await rest(server.url, 'POST', `/api/webhooks/${hook.id}/replay`, {
      apiKey: org.apiKey,
      json: { after: 'nonsense' },
    });
    expect(bad.status).toBe(400);
  });

  test('two instances deliver 10,000 events, each exactly once and in order, to healthy receivers', async () => {
    const second = await TestServer.start({ background: true, config: ALLOW });
    try {
      const orgs = await Promise.all([
        TestOrganization.create(server.db),
        TestOrganization.create(server.db),
      ]);
      const hooks = await Promise.all(
        orgs.flatMap((org) => [
          subscribe(org, ['audience.created']),
          subscribe(org, ['audience.created'], second),
        ]),
      );
      // 5,000 audiences an organization, in statements of 500, as fast as the database takes them.
      for (const org of orgs) {
        for (let batch = 0; batch < 10; batch += 1) {
          await server.db.raw(
            `insert into audience (organization_id, name)
             select ?, 'Bulk ' || n from generate_series(1, 500) n`,
            [org.organizationId],
          );
        }
      }
      await receiver.until(
        () => hooks.every((hook) => receiver.at(hook.path).length >= 5000),
        90_000,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const [index, hook] of hooks.entries()) {
        const org = orgs[Math.floor(index / 2)]!;
        const events = await rest(
          server.url,
          'GET',
          '/api/events?limit=1000&types=audience.created',
          {
            apiKey: org.apiKey,
          },
        );
        expect(events.body.meta.hasMore).toBe(true);
        const got = receiver.at(hook.path).map((message) => message.event.sequence);
        expect(got).toHaveLength(5000);
        expect(got).toEqual([...got].sort((a, b) => a - b));
        expect(new Set(got).size).toBe(5000);
      }
    } finally {
      await second.close();
    }
  }, 120_000);
});
