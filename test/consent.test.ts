import { Readable } from 'node:stream';
import { Writable } from 'node:stream';
import { importContacts } from '../src/contact/contact-import';
import { countsDrift, NO_DRIFT } from './support/counts-drift';
import { nextPhone, TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { onlyError, TestServer } from './support/test-server';

// Consent per channel (issue 23): what a contact consents to, the record of every change, the
// counts audiences keep of it, the filters, and opt-outs by keyword and by list.
let server: TestServer;
const logLines: string[] = [];
beforeAll(async () => {
  server = await TestServer.start({
    config: { logLevel: 'info' },
    logStream: new Writable({
      write(chunk: Buffer, _encoding, done) {
        logLines.push(chunk.toString());
        done();
      },
    }),
  });
});
afterAll(() => server.close());

const CONSENT = 'status updatedAt source keyword';
const HISTORY = `consentHistory(first: 10) { totalCount edges { node { channel status previousStatus source keyword address occurredAt actor { userId apiKeyId } } } }`;

async function contactOf(org: TestOrganization, id: string) {
  const result = await server.graphql(
    `query($id: ID!) { contact(id: $id) { smsConsent { ${CONSENT} } emailConsent { ${CONSENT} } ${HISTORY} } }`,
    { id },
    org.apiKey,
  );
  expect(result.errors).toBeUndefined();
  return result.data!.contact;
}

describe('a contact’s consent and its record', () => {
  test('creating with a consent records it, with the actor; leaving consent out keeps it; the same status again records nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const created = await rest(server.url, 'POST', '/api/contacts', {
      apiKey: org.apiKey,
      json: {
        firstName: 'Ada',
        lastName: 'Lovelace',
        primaryPhone: nextPhone(),
        primaryEmail: 'ada@example.com',
        smsConsent: 'SUBSCRIBED',
      },
    });
    expect(created.status).toBe(201);
    expect(created.body.smsConsent).toEqual({
      status: 'SUBSCRIBED',
      updatedAt: expect.stringMatching(/Z$/),
      source: 'API',
      keyword: null,
    });
    expect(created.body.emailConsent).toEqual({
      status: 'NEVER_SUBSCRIBED',
      updatedAt: null,
      source: null,
      keyword: null,
    });
    const id = created.body.id as string;

    // A change that leaves consent out keeps it; the same status again changes nothing.
    await rest(server.url, 'PUT', `/api/contacts/${id}`, {
      apiKey: org.apiKey,
      json: { firstName: 'Augusta' },
    });
    const again = await rest(server.url, 'PUT', `/api/contacts/${id}`, {
      apiKey: org.apiKey,
      json: { smsConsent: 'SUBSCRIBED' },
    });
    expect(again.body.smsConsent).toEqual(created.body.smsConsent);
    const unsubscribed = await server.graphql(
      `mutation($id: ID!) { updateContact(id: $id, input: { smsConsent: UNSUBSCRIBED, emailConsent: SUBSCRIBED }) { smsConsent { ${CONSENT} } } }`,
      { id },
      org.apiKey,
    );
    expect(unsubscribed.errors).toBeUndefined();

    const contact = await contactOf(org, id);
    expect(contact.smsConsent).toMatchObject({ status: 'UNSUBSCRIBED', source: 'API' });
    expect(contact.emailConsent).toMatchObject({ status: 'SUBSCRIBED', source: 'API' });
    const actor = { userId: org.userId, apiKeyId: org.apiKeyId };
    expect(contact.consentHistory.totalCount).toBe(3);
    expect(contact.consentHistory.edges.map((edge: { node: unknown }) => edge.node)).toEqual([
      // Newest first; one statement's two changes in channel order.
      expect.objectContaining({
        channel: 'EMAIL',
        status: 'SUBSCRIBED',
        previousStatus: 'NEVER_SUBSCRIBED',
        address: 'ada@example.com',
        actor,
      }),
      expect.objectContaining({
        channel: 'SMS',
        status: 'UNSUBSCRIBED',
        previousStatus: 'SUBSCRIBED',
        source: 'API',
        actor,
      }),
      expect.objectContaining({
        channel: 'SMS',
        status: 'SUBSCRIBED',
        previousStatus: 'NEVER_SUBSCRIBED',
        address: created.body.primaryPhone,
        actor,
      }),
    ]);

    // REST's record: the same entries, the seed's paging.
    const page = await rest(server.url, 'GET', `/api/contacts/${id}/consent-history?limit=2`, {
      apiKey: org.apiKey,
    });
    expect(page.status).toBe(200);
    expect(page.body.meta).toMatchObject({ page: 1, limit: 2, total: 3, totalPages: 2 });
    expect(page.body.data).toEqual(
      contact.consentHistory.edges.slice(0, 2).map((edge: { node: unknown }) => edge.node),
    );
    const second = await rest(
      server.url,
      'GET',
      `/api/contacts/${id}/consent-history?limit=2&page=2`,
      { apiKey: org.apiKey },
    );
    expect(second.body.data).toEqual([contact.consentHistory.edges[2].node]);
  });

  test('the record pages by cursor, newest first, and outlives the contact', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact] = await org.contacts(1, () => ({ primaryEmail: 'p@example.com' }));
    for (const status of ['SUBSCRIBED', 'UNSUBSCRIBED', 'SUBSCRIBED', 'UNSUBSCRIBED', 'SUBSCRIBED'])
      await org.contactService.update(contact!.id, { smsConsent: status as never });
    const pageOf = (after: string | null) =>
      server.graphql(
        `query($id: ID!, $after: String) { contact(id: $id) { consentHistory(first: 2, after: $after) { totalCount edges { cursor node { status previousStatus } } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`,
        { id: contact!.id, after },
        org.apiKey,
      );
    const statuses: string[] = [];
    let after: string | null = null;
    for (let pages = 0; pages < 5; pages += 1) {
      const result = await pageOf(after);
      expect(result.errors).toBeUndefined();
      const history = result.data!.contact.consentHistory;
      expect(history.totalCount).toBe(5);
      statuses.push(...history.edges.map((edge: { node: { status: string } }) => edge.node.status));
      if (!history.pageInfo.hasNextPage) break;
      after = history.pageInfo.endCursor;
    }
    expect(statuses).toEqual([
      'SUBSCRIBED',
      'UNSUBSCRIBED',
      'SUBSCRIBED',
      'UNSUBSCRIBED',
      'SUBSCRIBED',
    ]);
    // A cursor of another list is refused.
    const foreignCursor = Buffer.from(
      JSON.stringify(['createdAt', 'desc', 'x', contact!.id, '']),
    ).toString('base64url');
    expect(onlyError(await pageOf(foreignCursor)).extensions.code).toBe('BAD_USER_INPUT');

    await org.contactService.delete(contact!.id);
    expect(
      await server.countRows('consent_change', {
        organization_id: org.organizationId,
        contact_id: contact!.id,
      }),
    ).toBe(5);
    const gone = await rest(server.url, 'GET', `/api/contacts/${contact!.id}/consent-history`, {
      apiKey: org.apiKey,
    });
    expect(gone.status).toBe(404);
  });

  test('no e-mail, no e-mail consent: SUBSCRIBED is refused, and removing the address makes it NEVER_SUBSCRIBED', async () => {
    const org = await TestOrganization.create(server.db);
    const refused = await rest(server.url, 'POST', '/api/contacts', {
      apiKey: org.apiKey,
      json: {
        firstName: 'No',
        lastName: 'Mail',
        primaryPhone: nextPhone(),
        emailConsent: 'SUBSCRIBED',
      },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.fields).toEqual([
      {
        field: 'emailConsent',
        messages: ['emailConsent cannot be SUBSCRIBED for a contact without a primaryEmail'],
      },
    ]);
    const batch = await server.graphql(
      `mutation($phone: String!) { createContacts(input: [{ firstName: "A", lastName: "B", primaryPhone: $phone, emailConsent: SUBSCRIBED }]) { id } }`,
      { phone: nextPhone() },
      org.apiKey,
    );
    expect(onlyError(batch)).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', fields: [{ field: 'input[0].emailConsent' }] },
    });
    const [contact] = await org.contacts(1);
    const update = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { emailConsent: 'SUBSCRIBED' },
    });
    expect(update.status).toBe(400);
    expect(update.body.message).toMatch(/emailConsent cannot be SUBSCRIBED/);
    expect(await server.countRows('consent_change', { organization_id: org.organizationId })).toBe(
      0,
    );

    const subscribed = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { primaryEmail: 'now@example.com', emailConsent: 'SUBSCRIBED' },
    });
    expect(subscribed.body.emailConsent.status).toBe('SUBSCRIBED');
    const removed = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { primaryEmail: null },
    });
    expect(removed.body.emailConsent).toMatchObject({ status: 'NEVER_SUBSCRIBED', source: 'API' });
    const both = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
      apiKey: org.apiKey,
      json: { primaryEmail: null, emailConsent: 'UNSUBSCRIBED' },
    });
    expect(both.status).toBe(400);
    const history = (await contactOf(org, contact!.id)).consentHistory;
    expect(history.edges[0].node).toMatchObject({
      channel: 'EMAIL',
      status: 'NEVER_SUBSCRIBED',
      previousStatus: 'SUBSCRIBED',
      address: 'now@example.com',
    });
  });
});

test('a contact without an e-mail address keeps its e-mail opt-out when no address is removed', async () => {
  const org = await TestOrganization.create(server.db);
  const [contact] = await org.contacts(1);
  await org.consent.recordOptOuts('EMAIL', [contact!.primaryPhone]);
  const records = await server.countRows('consent_change', { organization_id: org.organizationId });
  const put = await rest(server.url, 'PUT', `/api/contacts/${contact!.id}`, {
    apiKey: org.apiKey,
    json: { primaryEmail: null },
  });
  expect(put.body.emailConsent.status).toBe('UNSUBSCRIBED');
  const file = [
    'firstName,lastName,primaryPhone,primaryEmail',
    `${contact!.firstName},${contact!.lastName},${contact!.primaryPhone},`,
  ].join('\n');
  await importContacts(server.db, org.actor, Readable.from([file]));
  expect((await contactOf(org, contact!.id)).emailConsent.status).toBe('UNSUBSCRIBED');
  expect(await server.countRows('consent_change', { organization_id: org.organizationId })).toBe(
    records,
  );
  // Digits without + or 00 are no phone: an opt-out list refuses them rather than guess.
  const guessed = await rest(server.url, 'POST', '/api/contacts/opt-outs', {
    apiKey: org.apiKey,
    json: { channel: 'sms', phones: [` ${contact!.primaryPhone.slice(1)}`] },
  });
  expect(guessed.status).toBe(400);
});

describe('counts and filters', () => {
  test('an audience’s subscribed counts are exact on both doors, and follow every change at once', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(6, (index) => ({
      primaryEmail: `m${index}@example.com`,
      smsConsent: index < 4 ? ('SUBSCRIBED' as never) : undefined,
      emailConsent: index % 2 === 0 ? ('SUBSCRIBED' as never) : ('UNSUBSCRIBED' as never),
    }));
    const audience = await org.audience('Counted', { members: contacts.slice(0, 5) });
    const counts = async () => {
      const list = await rest(server.url, 'GET', '/api/audience', { apiKey: org.apiKey });
      const row = list.body.data.find((item: { id: string }) => item.id === audience.id);
      const graphql = await server.graphql(
        'query($id: ID!) { audience(id: $id) { contactCount smsSubscribedCount smsUnsubscribedCount emailSubscribedCount emailUnsubscribedCount } }',
        { id: audience.id },
        org.apiKey,
      );
      const { id: _id, name: _name, ...rest_ } = row;
      expect(graphql.data!.audience).toEqual({
        contactCount: rest_.contactCount,
        smsSubscribedCount: rest_.smsSubscribedCount,
        smsUnsubscribedCount: rest_.smsUnsubscribedCount,
        emailSubscribedCount: rest_.emailSubscribedCount,
        emailUnsubscribedCount: rest_.emailUnsubscribedCount,
      });
      return graphql.data!.audience;
    };
    expect(await counts()).toEqual({
      contactCount: 5,
      smsSubscribedCount: 4,
      smsUnsubscribedCount: 0,
      emailSubscribedCount: 3,
      emailUnsubscribedCount: 2,
    });
    await org.contactService.update(contacts[0]!.id, { smsConsent: 'UNSUBSCRIBED' as never });
    await org.memberships.addContacts(audience.id, { contacts: [contacts[5]!.id] });
    await org.memberships.removeContacts(audience.id, { contacts: [contacts[1]!.id] });
    await org.contactService.delete(contacts[2]!.id);
    expect(await counts()).toEqual({
      contactCount: 4,
      smsSubscribedCount: 1,
      smsUnsubscribedCount: 1,
      emailSubscribedCount: 2,
      emailUnsubscribedCount: 2,
    });
    // A single audience (the contract's AudienceResponse) carries no counts, as before.
    const one = await rest(server.url, 'GET', `/api/audience/${audience.id}`, {
      apiKey: org.apiKey,
    });
    expect(one.body).not.toHaveProperty('smsSubscribedCount');
  });

  test('filters on both doors: exact totals, every shape of filter, cursors that belong to their filter', async () => {
    const org = await TestOrganization.create(server.db);
    const statuses = ['SUBSCRIBED', 'UNSUBSCRIBED', 'NEVER_SUBSCRIBED'];
    const contacts = await org.contacts(27, (index) => ({
      firstName: index % 2 ? 'Ann' : 'Bob',
      primaryEmail: `f${index}@example.com`,
      smsConsent: statuses[index % 3] as never,
      emailConsent: statuses[Math.floor(index / 3) % 3] as never,
    }));
    const audience = await org.audience('Filtered', { members: contacts.slice(0, 18) });
    const truth = (list: typeof contacts, sms?: string, email?: string, search?: string) =>
      list
        .filter(
          (contact) =>
            (!sms || contact.smsConsent.status === sms) &&
            (!email || contact.emailConsent.status === email) &&
            (!search || contact.firstName.toLowerCase().includes(search)),
        )
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.id < b.id ? 1 : -1))
        .map((contact) => contact.id);
    const shapes: [string | undefined, string | undefined, string | undefined][] = [
      ['SUBSCRIBED', undefined, undefined],
      ['UNSUBSCRIBED', undefined, undefined],
      ['NEVER_SUBSCRIBED', undefined, undefined],
      [undefined, 'SUBSCRIBED', undefined],
      ['SUBSCRIBED', 'UNSUBSCRIBED', undefined],
      ['SUBSCRIBED', undefined, 'ann'],
      [undefined, 'NEVER_SUBSCRIBED', 'bo'],
      ['NEVER_SUBSCRIBED', 'SUBSCRIBED', 'b'],
    ];
    for (const [sms, email, search] of shapes) {
      const query = new URLSearchParams({
        limit: '100',
        ...(sms && { smsConsent: sms }),
        ...(email && { emailConsent: email }),
        ...(search && { search }),
      });
      const members = await rest(
        server.url,
        'GET',
        `/api/audience/${audience.id}/contacts?${query}`,
        {
          apiKey: org.apiKey,
        },
      );
      const expected = truth(contacts.slice(0, 18), sms, email, search);
      expect([sms, email, search, members.body.data.map((c: { id: string }) => c.id)]).toEqual([
        sms,
        email,
        search,
        expected,
      ]);
      expect(members.body.meta.total).toBe(expected.length);
      const all = await rest(server.url, 'GET', `/api/contacts?${query}`, { apiKey: org.apiKey });
      expect(all.body.data.map((c: { id: string }) => c.id)).toEqual(
        truth(contacts, sms, email, search),
      );
      expect(all.body.meta.total).toBe(truth(contacts, sms, email, search).length);

      // GraphQL by cursor, two at a time, collects the same members.
      const args = [
        sms && `smsConsent: ${sms}`,
        email && `emailConsent: ${email}`,
        search && `search: "${search}"`,
      ]
        .filter(Boolean)
        .join(', ');
      const seen: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: { errors?: unknown; data?: any } = await server.graphql(
          `query($id: ID!, $after: String) { audience(id: $id) { contactsConnection(first: 2, after: $after, ${args}) { totalCount edges { node { id } } pageInfo { hasNextPage endCursor } } } }`,
          { id: audience.id, after },
          org.apiKey,
        );
        expect(page.errors).toBeUndefined();
        const connection = page.data!.audience.contactsConnection;
        expect(connection.totalCount).toBe(expected.length);
        seen.push(...connection.edges.map((edge: { node: { id: string } }) => edge.node.id));
        if (!connection.pageInfo.hasNextPage) break;
        after = connection.pageInfo.endCursor;
      }
      expect(seen).toEqual(expected);
    }
    // A cursor given for one filter is refused with another.
    const first = await server.graphql(
      'query($id: ID!) { audience(id: $id) { contactsConnection(first: 1, smsConsent: SUBSCRIBED) { pageInfo { endCursor } } } }',
      { id: audience.id },
      org.apiKey,
    );
    const cursor = first.data!.audience.contactsConnection.pageInfo.endCursor;
    const other = await server.graphql(
      'query($id: ID!, $after: String) { audience(id: $id) { contactsConnection(first: 1, after: $after, smsConsent: UNSUBSCRIBED) { totalCount } } }',
      { id: audience.id, after: cursor },
      org.apiKey,
    );
    expect(onlyError(other).message).toMatch(/another search or filter/);
  });
});

describe('opt-outs by keyword and by list', () => {
  async function inbound(
    apiKey: string,
    body: Record<string, string>,
    as: 'json' | 'form' | 'basic' = 'json',
  ) {
    const headers: Record<string, string> = {};
    if (as === 'basic')
      headers.authorization = `Basic ${Buffer.from(`provider:${apiKey}`).toString('base64')}`;
    else headers['x-api-key'] = apiKey;
    let text: string;
    if (as === 'json') {
      headers['content-type'] = 'application/json';
      text = JSON.stringify(body);
    } else {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      text = new URLSearchParams(body).toString();
    }
    const response = await fetch(`${server.url}/api/sms/inbound`, {
      method: 'POST',
      headers,
      body: text,
    });
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as any,
    };
  }

  test('STOP and START by JSON, by a provider’s form with Basic auth, in any case and spacing; a second STOP records nothing', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact] = await org.contacts(1, () => ({
      primaryPhone: '+212612345678',
      smsConsent: 'SUBSCRIBED' as never,
    }));
    const stop = await inbound(org.apiKey, { from: '+212 6 12-34-56-78', body: '  stop ' });
    expect(stop.status).toBe(200);
    expect(stop.body).toEqual({
      matched: true,
      keyword: 'STOP',
      contactId: contact!.id,
      smsConsent: {
        status: 'UNSUBSCRIBED',
        source: 'KEYWORD',
        keyword: 'STOP',
        updatedAt: expect.any(String),
      },
    });
    // Twilio's fields, with a + that form encoding left as a space, and the key as the password.
    const twice = await inbound(
      org.apiKey,
      { From: ' 212612345678', Body: 'Arret', To: '+15550000000', MessageSid: 'SM1' },
      'basic',
    );
    expect(twice.body).toMatchObject({
      matched: true,
      keyword: 'ARRET',
      smsConsent: { status: 'UNSUBSCRIBED', keyword: 'STOP' },
    });
    const history = (await contactOf(org, contact!.id)).consentHistory;
    expect(history.totalCount).toBe(2);
    expect(history.edges[0].node).toMatchObject({
      status: 'UNSUBSCRIBED',
      source: 'KEYWORD',
      keyword: 'STOP',
      actor: { userId: org.userId, apiKeyId: org.apiKeyId },
    });
    const start = await inbound(org.apiKey, { From: '+212612345678', Body: 'Start' }, 'form');
    expect(start.body.smsConsent).toMatchObject({ status: 'SUBSCRIBED', keyword: 'START' });

    // Not one keyword, or an unknown phone: nothing happens.
    for (const body of ['stop please', 'STOP!', 'S T O P', 'hello']) {
      expect((await inbound(org.apiKey, { from: '+212612345678', body })).body).toMatchObject({
        matched: false,
        keyword: null,
      });
    }
    expect((await inbound(org.apiKey, { from: '+15559876543', body: 'STOP' })).body).toEqual({
      matched: false,
      keyword: 'STOP',
      contactId: null,
      smsConsent: null,
    });
    expect((await contactOf(org, contact!.id)).consentHistory.totalCount).toBe(3);
  });

  test('Basic auth: a 401 asks for it (WWW-Authenticate), a wrong key is refused, and the key reaches no log line', async () => {
    const org = await TestOrganization.create(server.db);
    const anonymous = await fetch(`${server.url}/api/sms/inbound`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'From=%2B15550000001&Body=STOP',
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    expect(
      (await inbound('not-a-key', { From: '+15550000001', Body: 'STOP' }, 'basic')).status,
    ).toBe(401);
    // Basic auth is this path's alone.
    const elsewhere = await fetch(`${server.url}/api/contacts`, {
      headers: { authorization: `Basic ${Buffer.from(`x:${org.apiKey}`).toString('base64')}` },
    });
    expect(elsewhere.status).toBe(401);
    expect(
      (await inbound(org.apiKey, { From: '+15550000001', Body: 'STOP' }, 'basic')).status,
    ).toBe(200);
    expect(logLines.join('')).not.toContain(org.apiKey);
    expect(logLines.join('')).not.toContain(
      Buffer.from(`provider:${org.apiKey}`).toString('base64'),
    );
  });

  test('the organization’s own keywords, beside the built-in ones', async () => {
    const org = await TestOrganization.create(server.db);
    const [contact] = await org.contacts(1, () => ({ smsConsent: 'SUBSCRIBED' as never }));
    expect(
      (await inbound(org.apiKey, { from: contact!.primaryPhone, body: 'basta' })).body.matched,
    ).toBe(false);
    const set = await rest(server.url, 'PUT', '/api/sms/keywords/basta', {
      apiKey: org.apiKey,
      json: { action: 'OPT_OUT' },
    });
    expect(set.body).toEqual({ keyword: 'BASTA', action: 'OPT_OUT', builtIn: false });
    const listed = await server.graphql(
      '{ smsKeywords { keyword action builtIn } }',
      {},
      org.apiKey,
    );
    expect(listed.data!.smsKeywords.slice(-1)).toEqual([
      { keyword: 'BASTA', action: 'OPT_OUT', builtIn: false },
    ]);
    expect(listed.data!.smsKeywords).toContainEqual({
      keyword: 'ARRET',
      action: 'OPT_OUT',
      builtIn: true,
    });
    const stopped = await inbound(org.apiKey, { from: contact!.primaryPhone, body: 'Basta' });
    expect(stopped.body).toMatchObject({
      matched: true,
      keyword: 'BASTA',
      smsConsent: { status: 'UNSUBSCRIBED' },
    });
    // Another organization has none of it.
    const other = await TestOrganization.create(server.db);
    const [theirs] = await other.contacts(1, () => ({ smsConsent: 'SUBSCRIBED' as never }));
    expect(
      (await inbound(other.apiKey, { from: theirs!.primaryPhone, body: 'BASTA' })).body.matched,
    ).toBe(false);
    const deleted = await rest(server.url, 'DELETE', '/api/sms/keywords/BASTA', {
      apiKey: org.apiKey,
    });
    expect(deleted.status).toBe(200);
    expect(
      (await rest(server.url, 'DELETE', '/api/sms/keywords/BASTA', { apiKey: org.apiKey })).status,
    ).toBe(404);
  });

  test('a phone of another organization never matches, by keyword or by list', async () => {
    const org = await TestOrganization.create(server.db);
    const other = await TestOrganization.create(server.db);
    const [theirs] = await other.contacts(1, () => ({ smsConsent: 'SUBSCRIBED' as never }));
    expect(
      (await inbound(org.apiKey, { from: theirs!.primaryPhone, body: 'STOP' })).body.matched,
    ).toBe(false);
    const list = await rest(server.url, 'POST', '/api/contacts/opt-outs', {
      apiKey: org.apiKey,
      json: { channel: 'sms', phones: [theirs!.primaryPhone] },
    });
    expect(list.body).toEqual({
      unsubscribed: 0,
      alreadyUnsubscribed: 0,
      unknownPhones: [theirs!.primaryPhone],
    });
    expect((await contactOf(other, theirs!.id)).smsConsent.status).toBe('SUBSCRIBED');
  });

  test('an opt-out list unsubscribes in one transaction, counts what was already so, lists the unknown phones', async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = await org.contacts(4, (index) => ({
      smsConsent: (['SUBSCRIBED', 'UNSUBSCRIBED', 'NEVER_SUBSCRIBED', 'SUBSCRIBED'] as never[])[
        index
      ],
    }));
    const audience = await org.audience('Opted out', { members: contacts });
    const unknown = nextPhone();
    const phones = contacts.slice(0, 3).map((contact) => contact.primaryPhone);
    const spaced = `${phones[2]!.slice(0, 4)} ${phones[2]!.slice(4)}`;
    const result = await rest(server.url, 'POST', '/api/contacts/opt-outs', {
      apiKey: org.apiKey,
      json: { channel: 'sms', phones: [phones[0], unknown, phones[1], spaced, phones[0]] },
    });
    expect(result.status).toBe(200);
    expect(result.body).toEqual({
      unsubscribed: 2,
      alreadyUnsubscribed: 1,
      unknownPhones: [unknown],
    });
    const read = await server.graphql(
      'query($id: ID!) { audience(id: $id) { smsSubscribedCount smsUnsubscribedCount } }',
      { id: audience.id },
      org.apiKey,
    );
    expect(read.data!.audience).toEqual({ smsSubscribedCount: 1, smsUnsubscribedCount: 3 });
    const history = (await contactOf(org, contacts[0]!.id)).consentHistory;
    expect(history.edges[0].node).toMatchObject({ source: 'OPT_OUT_LIST', status: 'UNSUBSCRIBED' });
    // The already unsubscribed one recorded nothing new.
    expect((await contactOf(org, contacts[1]!.id)).consentHistory.totalCount).toBe(1);
    // GraphQL's recordOptOuts alike, on e-mail.
    const graphql = await server.graphql(
      'mutation($phones: [String!]!) { recordOptOuts(channel: EMAIL, phones: $phones) { unsubscribed alreadyUnsubscribed unknownPhones } }',
      { phones },
      org.apiKey,
    );
    expect(graphql.data!.recordOptOuts).toEqual({
      unsubscribed: 3,
      alreadyUnsubscribed: 0,
      unknownPhones: [],
    });
    // A bad phone among good ones: bad input naming it, and nothing changes.
    const bad = await rest(server.url, 'POST', '/api/contacts/opt-outs', {
      apiKey: org.apiKey,
      json: { channel: 'sms', phones: [contacts[3]!.primaryPhone, '12345'] },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.fields[0].field).toBe('phones[1]');
    expect((await contactOf(org, contacts[3]!.id)).smsConsent.status).toBe('SUBSCRIBED');
    expect(await countsDrift(server.db, org.organizationId)).toEqual(NO_DRIFT);
  });
});

test('the CSV import takes smsConsent and emailConsent columns; a row without them keeps the contact’s', async () => {
  const org = await TestOrganization.create(server.db);
  const [kept, changed] = await org.contacts(2, () => ({
    primaryEmail: 'k@example.com',
    smsConsent: 'SUBSCRIBED' as never,
    emailConsent: 'SUBSCRIBED' as never,
  }));
  const fresh = nextPhone();
  const file = [
    'firstName,lastName,primaryPhone,primaryEmail,smsConsent,emailConsent',
    `Kept,Same,${kept!.primaryPhone},k@example.com,,`,
    `Changed,Now,${changed!.primaryPhone},k@example.com,UNSUBSCRIBED,`,
    `New,One,${fresh},n@example.com,SUBSCRIBED,UNSUBSCRIBED`,
  ].join('\n');
  const report = await importContacts(server.db, org.actor, Readable.from([file]));
  expect(report).toEqual({
    importId: expect.any(String),
    rows: 3,
    created: 1,
    updated: 2,
    unchanged: 0,
  });
  const statusOf = async (phone: string) =>
    (await server
      .db('contact')
      .where({ organization_id: org.organizationId, primary_phone: phone })
      .first()) as {
      sms_consent: string;
      email_consent: string;
      sms_consent_source: string | null;
    };
  expect(await statusOf(kept!.primaryPhone)).toMatchObject({
    sms_consent: 'SUBSCRIBED',
    email_consent: 'SUBSCRIBED',
    sms_consent_source: 'API',
  });
  expect(await statusOf(changed!.primaryPhone)).toMatchObject({
    sms_consent: 'UNSUBSCRIBED',
    email_consent: 'SUBSCRIBED',
    sms_consent_source: 'IMPORT',
  });
  expect(await statusOf(fresh)).toMatchObject({
    sms_consent: 'SUBSCRIBED',
    email_consent: 'UNSUBSCRIBED',
    sms_consent_source: 'IMPORT',
  });
  // The same file again changes nothing and records nothing.
  const records = await server.countRows('consent_change', { organization_id: org.organizationId });
  expect(await importContacts(server.db, org.actor, Readable.from([file]))).toEqual({
    importId: expect.any(String),
    rows: 3,
    created: 0,
    updated: 0,
    unchanged: 3,
  });
  expect(await server.countRows('consent_change', { organization_id: org.organizationId })).toBe(
    records,
  );
  // A bad status, or e-mail SUBSCRIBED without an address: the line is refused.
  const bad = [
    'firstName,lastName,primaryPhone,primaryEmail,smsConsent',
    `A,B,${nextPhone()},,YES`,
  ].join('\n');
  await expect(importContacts(server.db, org.actor, Readable.from([bad]))).rejects.toThrow(
    /line 2: smsConsent must be one of/,
  );
  const noEmail = [
    'firstName,lastName,primaryPhone,primaryEmail,emailConsent',
    `A,B,${nextPhone()},,SUBSCRIBED`,
  ].join('\n');
  await expect(importContacts(server.db, org.actor, Readable.from([noEmail]))).rejects.toThrow(
    /emailConsent cannot be SUBSCRIBED/,
  );
  expect(await countsDrift(server.db, org.organizationId)).toMatchObject({
    counts: [],
    organization: [],
    record: [],
  });
});
