import { WebhookService } from '../src/webhook/webhook.service';
import { createDatabase, dropDatabase } from './support/databases';
import { TestOrganization } from './support/fixtures';
import { freePort, ServiceProcess } from './support/processes';
import { TestServer } from './support/test-server';
import { WebhookReceiver } from './support/webhook-receiver';

// An instance killed with SIGKILL in the middle of deliveries loses none: another takes its
// subscriptions over once their lease runs out, and delivers again from the last recorded event,
// with the same webhook-ids. On a database of its own, so that no other test's deliverer takes
// the subscription first.
const ALLOW = { webhookAllowHttp: true, webhookAllowPrivate: true, webhookLeaseMs: 6000 };
const EVENTS = 400;

let url: string;
let local: TestServer;
let receiver: WebhookReceiver;
const name = `audience_gateway_failover_${Date.now()}_${process.pid}`;
beforeAll(async () => {
  url = await createDatabase(process.env.TEST_DATABASE_URL!, name);
  [local, receiver] = await Promise.all([
    TestServer.start({ databaseUrl: url, config: ALLOW }),
    WebhookReceiver.start(),
  ]);
}, 60_000);
afterAll(async () => {
  await local?.close();
  await receiver?.close();
  await dropDatabase(process.env.TEST_DATABASE_URL!, name);
});

test('an instance killed mid-delivery loses no event; another delivers the rest, in order, with the same ids', async () => {
  const org = await TestOrganization.create(local.db);
  const doomed = new ServiceProcess({
    DATABASE_URL: url,
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    WEBHOOK_ALLOW_HTTP: 'true',
    WEBHOOK_ALLOW_PRIVATE: 'true',
    WEBHOOK_LEASE_MS: String(ALLOW.webhookLeaseMs),
  });
  let takeover: TestServer | undefined;
  try {
    await doomed.waitFor(/is listening on/, 120_000);
    const hook = await new WebhookService(local.db, org.actor).create({
      url: `${receiver.url}/failover`,
      events: ['audience.created'],
    });
    // Slow enough that the run takes seconds: the kill lands in its middle.
    receiver.delayMs = 10;
    await local.db.raw(
      `insert into audience (organization_id, name)
       select ?, 'Failover ' || n from generate_series(1, ?) n`,
      [org.organizationId, EVENTS],
    );
    await receiver.until((all) => all.length >= 60, 30_000);
    const [held] = await local
      .db('webhook_subscription')
      .where({ id: hook.id })
      .select('lease_owner');
    expect(held.lease_owner).toMatch(new RegExp(`^${doomed.pid}-`));
    await doomed.stop('SIGKILL');
    const killedAt = receiver.received.length;
    expect(killedAt).toBeLessThan(EVENTS);

    takeover = await TestServer.start({ databaseUrl: url, background: true, config: ALLOW });
    await receiver.until(
      (all) => new Set(all.map((message) => message.event.id)).size === EVENTS,
      60_000,
    );
    const { rows: events } = await local.db.raw<{ rows: { id: string }[] }>(
      `select u.id from event e cross join unnest(e.ids) with ordinality u(id, n)
       where e.organization_id = ? order by e.sequence, u.n`,
      [org.organizationId],
    );
    const ids = receiver.received.map((message) => message.event.id);
    // Every event, first delivered in sequence order.
    expect([...new Set(ids)]).toEqual(events.map((event) => event.id));
    // Each delivery carried its event's id, and whatever came twice came again in order from
    // where the killed instance last recorded its progress.
    for (const message of receiver.received) {
      expect(message.headers['webhook-id']).toBe(message.event.id);
    }
    const sequences = receiver.received.map((message) => message.event.sequence);
    const resumedAt = sequences.findIndex(
      (sequence, index) => index > 0 && sequence <= sequences[index - 1]!,
    );
    const after = resumedAt < 0 ? [] : sequences.slice(resumedAt);
    expect(after).toEqual([...after].sort((a, b) => a - b));
    expect(sequences.length - EVENTS).toBeLessThanOrEqual(60);
    console.log(
      `failover: killed after ${killedAt} of ${EVENTS} deliveries; ${sequences.length - EVENTS} delivered twice`,
    );
  } finally {
    if (doomed.alive) await doomed.stop('SIGKILL');
    await takeover?.close();
  }
}, 180_000);
