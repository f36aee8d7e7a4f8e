import { Readable } from 'node:stream';
import pg from 'pg';
import { importContacts } from '../src/contact/contact-import';
import { pruneEvents } from '../src/event/event-retention';
import { EventService } from '../src/event/event.service';
import { nextPhone, TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';

// Events (issue 24): the record of every change, written in the change's own transaction, and
// the feed that reads it in commit order.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

interface FeedEvent {
  id: string;
  sequence: number;
  type: string;
  occurredAt: string;
  actor: { userId: string | null; apiKeyId: string | null } | null;
  data: any;
}

/** The whole feed of an organization from a cursor, through REST, page by page. */
async function readFeed(
  org: TestOrganization,
  { after, limit = 1000, types }: { after?: string; limit?: number; types?: string } = {},
): Promise<{ events: FeedEvent[]; cursor: string }> {
  const events: FeedEvent[] = [];
  let cursor = after;
  for (;;) {
    const query = new URLSearchParams({ limit: String(limit) });
    if (cursor) query.set('after', cursor);
    if (types) query.set('types', types);
    const page = await rest(server.url, 'GET', `/api/events?${query}`, { apiKey: org.apiKey });
    expect(page.status).toBe(200);
    events.push(...page.body.data);
    cursor = page.body.meta.nextCursor;
    if (!page.body.meta.hasMore) return { events, cursor: cursor! };
  }
}

describe('the record', () => {
  test('every write through REST is recorded in order, with its actor, holding the contact or audience as the API answers it', async () => {
    const org = await TestOrganization.create(server.db);
    const key = { apiKey: org.apiKey };
    const created = await rest(server.url, 'POST', '/api/contacts', {
      ...key,
      json: {
        firstName: 'Ada',
        lastName: 'Byron',
        primaryPhone: nextPhone(),
        smsConsent: 'SUBSCRIBED',
      },
    });
    expect(created.status).toBe(201);
    const contactId = created.body.id;
    const audience = await rest(server.url, 'POST', '/api/audience', {
      ...key,
      json: { name: 'Newsletter' },
    });
    const audienceId = audience.body.id;
    await rest(server.url, 'POST', `/api/audience/${audienceId}/add-contacts`, {
      ...key,
      json: { contacts: [contactId] },
    });
    // Already a member: no event.
    await rest(server.url, 'POST', `/api/audience/${audienceId}/add-contacts`, {
      ...key,
      json: { contacts: [contactId] },
    });
    const updated = await rest(server.url, 'PUT', `/api/contacts/${contactId}`, {
      ...key,
      json: { firstName: 'Augusta', smsConsent: 'UNSUBSCRIBED' },
    });
    // The same values again change nothing and record nothing.
    await rest(server.url, 'PUT', `/api/contacts/${contactId}`, {
      ...key,
      json: { firstName: 'Augusta' },
    });
    const renamed = await rest(server.url, 'PUT', `/api/audience/${audienceId}`, {
      ...key,
      json: { name: 'Weekly' },
    });
    await rest(server.url, 'POST', `/api/audience/${audienceId}/remove-contacts`, {
      ...key,
      json: { contacts: [contactId] },
    });
    const deletedAudience = await rest(server.url, 'DELETE', `/api/audience/${audienceId}`, key);
    const deletedContact = await rest(server.url, 'DELETE', `/api/contacts/${contactId}`, key);
    expect(deletedContact.status).toBe(200);

    const { events } = await readFeed(org);
    expect(events.map((event) => event.type)).toEqual([
      'contact.created',
      'contact.consent_changed',
      'audience.created',
      'audience.members_added',
      'contact.updated',
      'contact.consent_changed',
      'audience.updated',
      'audience.members_removed',
      'audience.deleted',
      'contact.deleted',
    ]);
    expect(events.map((event) => event.sequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(events.map((event) => event.id)).size).toBe(10);
    for (const event of events) {
      expect(event.actor).toEqual({ userId: org.userId, apiKeyId: org.apiKeyId });
    }
    const [contactCreated, consented, audienceCreated, added, contactUpdated, unsubscribed] =
      events;
    expect(contactCreated!.data).toEqual({
      contact: { ...created.body, smsConsent: expect.any(Object) },
    });
    expect(contactCreated!.data.contact.smsConsent).toEqual(created.body.smsConsent);
    expect(consented!.data).toEqual({
      channel: 'SMS',
      status: 'SUBSCRIBED',
      previousStatus: 'NEVER_SUBSCRIBED',
      source: 'API',
      keyword: null,
      contactIds: [contactId],
    });
    expect(audienceCreated!.data).toEqual({ audience: audience.body });
    expect(added!.data).toEqual({ audienceId, contactIds: [contactId] });
    expect(contactUpdated!.data).toEqual({
      contact: updated.body,
      changes: { firstName: { old: 'Ada', new: 'Augusta' } },
    });
    expect(unsubscribed!.data).toMatchObject({
      status: 'UNSUBSCRIBED',
      previousStatus: 'SUBSCRIBED',
    });
    expect(events[6]!.data).toEqual({
      audience: renamed.body,
      changes: { name: { old: 'Newsletter', new: 'Weekly' } },
    });
    expect(events[7]!.data).toEqual({ audienceId, contactIds: [contactId] });
    expect(events[8]!.data).toEqual({ audience: deletedAudience.body });
    expect(events[9]!.data).toEqual({ contact: deletedContact.body });
  });

  test('bulk writes stay bulk: members in events of 1,000 ids, only those actually added; an erased contact’s memberships go with its contact.deleted', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(2500);
    const audience = await org.audience('Big');
    const { cursor } = await readFeed(org);
    await org.memberships.addContacts(audience.id, {
      contacts: contacts.slice(0, 2100).map((contact) => contact.id),
    });
    // 2,100 already there and 400 new.
    await org.memberships.addContacts(audience.id, {
      contacts: contacts.map((contact) => contact.id),
    });
    await org.contactService.delete(contacts[0]!.id);
    const { events } = await readFeed(org, { after: cursor });
    expect(events.map((event) => [event.type, event.data.contactIds?.length])).toEqual([
      ['audience.members_added', 1000],
      ['audience.members_added', 1000],
      ['audience.members_added', 100],
      ['audience.members_added', 400],
      ['contact.deleted', undefined],
    ]);
    const added = events.slice(0, 4).flatMap((event) => event.data.contactIds);
    expect(new Set(added)).toEqual(new Set(contacts.map((contact) => contact.id)));
  });

  test('an import records contacts.imported events of at most 1,000 ids, with its id', async () => {
    const org = await TestOrganization.create(server.db);
    const existing = await org.contacts(2);
    const rows = Array.from({ length: 1500 }, (_, index) => `New,Row${index},${nextPhone()},,`);
    const file = [
      'firstName,lastName,primaryPhone,primaryEmail,smsConsent',
      `Changed,Name,${existing[0]!.primaryPhone},,`,
      `${existing[1]!.firstName},${existing[1]!.lastName},${existing[1]!.primaryPhone},,SUBSCRIBED`,
      ...rows,
    ].join('\n');
    const { cursor } = await readFeed(org);
    const report = await importContacts(server.db, org.actor, Readable.from([file]));
    const { events } = await readFeed(org, { after: cursor });
    // The update's events first (the import updates, then creates), each write's own before the
    // consent changes it made.
    expect(events.map((event) => event.type)).toEqual([
      'contacts.imported',
      'contact.consent_changed',
      'contacts.imported',
      'contacts.imported',
    ]);
    const imported = events.filter((event) => event.type === 'contacts.imported');
    for (const event of imported) expect(event.data.importId).toBe(report.importId);
    expect(imported[0]!.data).toEqual({
      importId: report.importId,
      created: [],
      updated: [existing[0]!.id, existing[1]!.id].sort(),
    });
    expect(imported.map((event) => event.data.created.length)).toEqual([0, 1000, 500]);
    expect(events[1]!.data).toMatchObject({ source: 'IMPORT', contactIds: [existing[1]!.id] });
    expect(events[1]!.actor).toEqual({ userId: org.userId, apiKeyId: org.apiKeyId });
  });

  test('an opt-out list records its consent changes in events of at most 1,000 ids', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(
      1200,
      (index) =>
        ({
          smsConsent: index < 200 ? 'SUBSCRIBED' : undefined,
        }) as never,
    );
    const { cursor } = await readFeed(org);
    await org.consent.recordOptOuts(
      'SMS',
      contacts.map((contact) => contact.primaryPhone),
    );
    const { events } = await readFeed(org, { after: cursor });
    expect(
      events.map((event) => [event.type, event.data.previousStatus, event.data.contactIds.length]),
    ).toEqual([
      ['contact.consent_changed', 'NEVER_SUBSCRIBED', 1000],
      ['contact.consent_changed', 'SUBSCRIBED', 200],
    ]);
    expect(events[0]!.data).toMatchObject({
      channel: 'SMS',
      status: 'UNSUBSCRIBED',
      source: 'OPT_OUT_LIST',
    });
  });

  test('a rolled-back write leaves no event and takes no sequence; a write by plain SQL is recorded with no actor', async () => {
    const org = await TestOrganization.create(server.db);
    const [taken] = await org.contacts(1);
    const { cursor, events: before } = await readFeed(org);
    // A batch whose second contact has a phone already taken: nothing is written.
    const refused = await server.graphql(
      `mutation($input: [CreateContactInput!]!) { createContacts(input: $input) { id } }`,
      {
        input: [
          { firstName: 'New', lastName: 'One', primaryPhone: nextPhone() },
          { firstName: 'Dup', lastName: 'Two', primaryPhone: taken!.primaryPhone },
        ],
      },
      org.apiKey,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    const trx = await server.db.transaction();
    await trx.raw(`insert into audience (organization_id, name) values (?, 'Never')`, [
      org.organizationId,
    ]);
    await trx.rollback();
    await server.db.raw(`insert into audience (organization_id, name) values (?, 'By SQL')`, [
      org.organizationId,
    ]);
    const { events } = await readFeed(org, { after: cursor });
    expect(events.map((event) => [event.type, event.sequence, event.actor])).toEqual([
      ['audience.created', before.length + 1, null],
    ]);
    expect(events[0]!.data.audience.name).toBe('By SQL');
  });
});

describe('the feed', () => {
  test('REST and GraphQL read the same events; types filter; the cursor at the end is the one to poll with', async () => {
    const org = await TestOrganization.create(server.db);
    await org.contacts(3);
    await org.audience('One');
    const all = await readFeed(org, { limit: 2 });
    expect(all.events.map((event) => event.type)).toEqual([
      'contact.created',
      'contact.created',
      'contact.created',
      'audience.created',
    ]);
    const graphql = await server.graphql(
      `query($after: String) { events(first: 2, after: $after) { edges { cursor node { id sequence type occurredAt actor { userId apiKeyId } data } } pageInfo { hasNextPage endCursor } } }`,
      {},
      org.apiKey,
    );
    expect(graphql.errors).toBeUndefined();
    expect(graphql.data!.events.edges.map((edge: any) => edge.node)).toEqual(
      all.events.slice(0, 2),
    );
    expect(graphql.data!.events.pageInfo.hasNextPage).toBe(true);
    const audiences = await readFeed(org, { types: 'audience.created,audience.deleted' });
    expect(audiences.events.map((event) => event.sequence)).toEqual([4]);
    // Nothing new: the same cursor back, and an empty page.
    const polled = await rest(server.url, 'GET', `/api/events?after=${all.cursor}`, {
      apiKey: org.apiKey,
    });
    expect(polled.body).toEqual({ data: [], meta: { nextCursor: all.cursor, hasMore: false } });
    await org.audience('Two');
    const next = await readFeed(org, { after: all.cursor });
    expect(next.events.map((event) => event.sequence)).toEqual([5]);
  });

  test('a thousand events of one write are read a page at a time; a filtered reader moves on with the feed; a cursor past the end is refused', async () => {
    const org = await TestOrganization.create(server.db);
    await org.contacts(1000);
    const first = await rest(server.url, 'GET', '/api/events?limit=10', { apiKey: org.apiKey });
    expect(first.body.data.map((event: FeedEvent) => event.sequence)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    expect(first.body.meta.hasMore).toBe(true);
    const second = await rest(
      server.url,
      'GET',
      `/api/events?limit=10&after=${first.body.meta.nextCursor}`,
      { apiKey: org.apiKey },
    );
    expect(second.body.data.map((event: FeedEvent) => event.sequence)).toEqual([
      11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
    ]);
    const ids = new Set(
      [...first.body.data, ...second.body.data].map((event: FeedEvent) => event.id),
    );
    expect(ids.size).toBe(20);
    const names = second.body.data.map((event: FeedEvent) => event.data.contact.id);
    expect(new Set(names).size).toBe(10);
    // A reader of a type that is not there is at the end at once, and stays with the feed.
    const rare = await readFeed(org, { types: 'audience.deleted' });
    expect(rare.events).toEqual([]);
    const { cursor: end } = await readFeed(org);
    expect(rare.cursor).toBe(end);
    await org.audience('Later');
    expect(
      (await readFeed(org, { after: rare.cursor, types: 'audience.created' })).events,
    ).toHaveLength(1);
    // A cursor this API never gave out: past the end.
    const beyond = new EventService(server.db, org.actor).cursorAt(5000);
    const refused = await rest(server.url, 'GET', `/api/events?after=${beyond}`, {
      apiKey: org.apiKey,
    });
    expect(refused.status).toBe(400);
    expect(refused.body.message).toContain('past the end');
  });

  test('bad input names its field; another organization’s cursor is refused; nobody sees another’s events', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    await org.audience('Mine');
    const { cursor } = await readFeed(org);
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=1001', 'limit'],
      ['types=contact.created,contact.exploded', 'types'],
      ['after=nonsense', 'after'],
      [`after=${cursor}`, 'after'],
      ['since=1', 'since'],
    ] as const) {
      const answer = await rest(server.url, 'GET', `/api/events?${query}`, {
        apiKey: other.apiKey,
      });
      expect([query, answer.status]).toEqual([query, 400]);
      expect(answer.body.message).toContain(field);
    }
    expect((await readFeed(other)).events).toEqual([]);
    const graphql = await server.graphql(
      `{ events(types: ["nope"]) { edges { cursor } } }`,
      {},
      other.apiKey,
    );
    expect(graphql.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect((await rest(server.url, 'GET', '/api/events')).status).toBe(401);
  });

  test('retention prunes the oldest events; a cursor before what is kept is GONE, never a silent gap', async () => {
    const org = await TestOrganization.create(server.db);
    // Five writes, five rows of the record (one statement's events share a row).
    for (let index = 0; index < 5; index += 1) await org.contacts(1);
    const { events, cursor: end } = await readFeed(org);
    const page = await rest(server.url, 'GET', '/api/events?limit=1', { apiKey: org.apiKey });
    const afterFirst = page.body.meta.nextCursor;
    // The first three are 40 days old; the fifth too, but the fourth is not: only a prefix goes.
    await server.db.raw(
      `update event set occurred_at = now() - interval '40 days'
       where organization_id = ? and sequence in (1, 2, 3, 5)`,
      [org.organizationId],
    );
    expect(await pruneEvents(server.db, 30)).toBeGreaterThanOrEqual(3);
    // A row of many events goes only whole, when its events are all past the retention: a batch of
    // 3 old events, then a new one, in another organization.
    const batched = await TestOrganization.create(server.db);
    await batched.contacts(3);
    await batched.contacts(1);
    await server.db.raw(
      `update event set occurred_at = now() - interval '40 days' where organization_id = ? and sequence = 1`,
      [batched.organizationId],
    );
    await pruneEvents(server.db, 30);
    expect((await readFeed(batched)).events.map((event) => event.sequence)).toEqual([4]);
    const gone = await rest(server.url, 'GET', `/api/events?after=${afterFirst}`, {
      apiKey: org.apiKey,
    });
    expect(gone.status).toBe(410);
    expect(gone.body.message).toContain('after');
    const graphql = await server.graphql(
      `query($after: String) { events(after: $after) { edges { cursor } } }`,
      { after: afterFirst },
      org.apiKey,
    );
    expect(graphql.errors?.[0]?.extensions?.code).toBe('GONE');
    const kept = await readFeed(org);
    expect(kept.events.map((event) => event.sequence)).toEqual([4, 5]);
    expect(kept.events.map((event) => event.id)).toEqual(events.slice(3).map((event) => event.id));
    expect((await readFeed(org, { after: end })).events).toEqual([]);
  });
});

test('commit order: concurrent writers, and pollers that never see a sequence before every lower one', async () => {
  const org = await TestOrganization.create(server.db);
  const writers = 6;
  const writesEach = 25;
  let writing = true;
  // Pollers read from their last cursor while the writers commit; every page must continue the
  // sequence exactly where the poller stood.
  const poll = async () => {
    const seen: number[] = [];
    let cursor: string | undefined;
    for (;;) {
      const stillWriting = writing;
      const { events, cursor: next } = await readFeed(org, { after: cursor, limit: 7 });
      for (const event of events) {
        expect(event.sequence).toBe((seen.at(-1) ?? 0) + 1);
        seen.push(event.sequence);
      }
      cursor = next;
      if (!stillWriting) return seen;
    }
  };
  // Writers on connections of their own, each transaction two statements apart so that they
  // interleave, some rolled back.
  const write = async (writer: number) => {
    const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
    await client.connect();
    let committed = 0;
    for (let index = 0; index < writesEach; index += 1) {
      await client.query('begin');
      await client.query(`insert into audience (organization_id, name) values ($1, $2)`, [
        org.organizationId,
        `W${writer}-${index}`,
      ]);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
      await client.query(
        `update audience set name = name || '!' where organization_id = $1 and name = $2`,
        [org.organizationId, `W${writer}-${index}`],
      );
      if (index % 5 === 4) {
        await client.query('rollback');
      } else {
        await client.query('commit');
        committed += 2;
      }
    }
    await client.end();
    return committed;
  };
  const pollers = [poll(), poll()];
  const committed = (await Promise.all(Array.from({ length: writers }, (_, w) => write(w)))).reduce(
    (sum, count) => sum + count,
    0,
  );
  writing = false;
  const seen = await Promise.all(pollers);
  const expected = Array.from({ length: committed }, (_, index) => index + 1);
  expect(seen[0]).toEqual(expected);
  expect(seen[1]).toEqual(expected);
  // Each transaction's two events are next to each other, created then updated.
  const { events } = await readFeed(org);
  for (let index = 0; index < events.length; index += 2) {
    expect([events[index]!.type, events[index + 1]!.type]).toEqual([
      'audience.created',
      'audience.updated',
    ]);
    expect(events[index + 1]!.data.audience.id).toBe(events[index]!.data.audience.id);
  }
});
