import { countsDrift, NO_DRIFT } from './support/counts-drift';
import { TestOrganization } from './support/fixtures';
import { longOr } from './support/load';
import { rest, type RestResult } from './support/rest-client';
import { TestServer } from './support/test-server';

// 50 clients adding overlapping sets to one audience, and 50 others updating and deleting
// audiences (that one among them), all at once over HTTP, through both doors.
const ADDERS = 50;
const WRITERS = 50;
const SET_SIZE = longOr(200, 2000);
const SET_STEP = longOr(15, 150);
const ROUNDS = longOr(4, 40);
// The whole scenario, each time on fresh audiences.
const REPEATS = longOr(1, 10);

let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

interface Write {
  writer: number;
  userId: string;
  kind: 'update' | 'delete';
  audienceId: string;
  name?: string;
  result: RestResult;
}

function restUpdate(audienceId: string, name: string, apiKey: string): Promise<RestResult> {
  return rest(server.url, 'PUT', `/api/audience/${audienceId}`, { apiKey, json: { name } });
}

/** The GraphQL update, as a status (404 for NOT_FOUND) and the audience. */
async function graphqlUpdate(
  audienceId: string,
  name: string,
  apiKey: string,
): Promise<RestResult> {
  const result = await server.graphql(
    'mutation($id: ID!, $name: String!) { updateAudience(id: $id, input: { name: $name }) { name updatedAt updatedBy } }',
    { id: audienceId, name },
    apiKey,
  );
  const code = result.errors?.[0]?.extensions.code;
  return {
    status: code === undefined ? 200 : code === 'NOT_FOUND' ? 404 : 500,
    body: result.data?.updateAudience,
  };
}

test.each(Array.from({ length: REPEATS }, (_, index) => index + 1))(
  'concurrent adders and writers (%i): exact counts, no duplicates, one delete wins, the last update is the one kept',
  async () => {
    const org = await TestOrganization.create(server.db);
    const contacts = (await org.contacts((ADDERS - 1) * SET_STEP + SET_SIZE)).map((c) => c.id);
    const shared = await org.audience('Shared');
    const others = await Promise.all([1, 2, 3, 4].map((index) => org.audience(`Other ${index}`)));
    const members = await Promise.all(
      Array.from({ length: WRITERS }, (_, index) => org.member(`Writer ${index}`)),
    );

    // Writers 0–9 update the shared audience while the adders fill it; writers 10–49 work on the
    // four others, ten each: eight update, two delete.
    const targetOf = (writer: number) =>
      writer < 10 ? shared : others[Math.floor(writer / 10) - 1]!;
    const deletes = (writer: number) => writer >= 10 && writer % 10 >= 8;

    const adds = Array.from({ length: ADDERS }, async (_, adder) => {
      const ids = contacts.slice(adder * SET_STEP, adder * SET_STEP + SET_SIZE);
      if (adder % 2 === 0) {
        return rest(server.url, 'POST', `/api/audience/${shared.id}/add-contacts`, {
          apiKey: org.apiKey,
          json: { contacts: ids },
        }).then((result) => ({ ids, status: result.status, returned: result.body as unknown }));
      }
      const result = await server.graphql(
        'mutation($id: ID!, $contacts: [ID!]!) { addContactsToAudience(id: $id, contacts: $contacts) }',
        { id: shared.id, contacts: ids },
        org.apiKey,
      );
      return {
        ids,
        status: result.errors ? 500 : result.status,
        returned: result.data?.addContactsToAudience as unknown,
      };
    });

    const writes: Write[] = [];
    const writers = members.map(async ({ userId, apiKey }, writer) => {
      const audienceId = targetOf(writer).id;
      for (let round = 0; round < ROUNDS; round += 1) {
        if (deletes(writer)) {
          await new Promise((resolve) => setTimeout(resolve, Math.random() * 30));
          const result = await rest(server.url, 'DELETE', `/api/audience/${audienceId}`, {
            apiKey,
          });
          writes.push({ writer, userId, kind: 'delete', audienceId, result });
          return;
        }
        const name = `Writer ${writer} round ${round}`;
        const result =
          round % 2 === 0
            ? await restUpdate(audienceId, name, apiKey)
            : await graphqlUpdate(audienceId, name, apiKey);
        writes.push({ writer, userId, kind: 'update', audienceId, name, result });
      }
    });

    const added = await Promise.all(adds);
    await Promise.all(writers);

    // Every add succeeded (no deadlock or serialization failure reached a client) and returned
    // its own ids.
    for (const { ids, status, returned } of added) {
      expect(status).toBe(200);
      expect(returned).toEqual(ids);
    }
    const union = new Set(added.flatMap(({ ids }) => ids));
    const rows = (await server
      .db('audience_contact')
      .where({ audience_id: shared.id })
      .select(server.db.raw('count(*)::int as total, count(distinct contact_id)::int as distinct'))
      .first()) as { total: number; distinct: number };
    expect(rows).toEqual({ total: union.size, distinct: union.size });
    const read = await server.graphql(
      'query($id: ID!) { audience(id: $id) { contactCount } }',
      { id: shared.id },
      org.apiKey,
    );
    expect(read.data?.audience.contactCount).toBe(union.size);

    // Writes answer 200, or 404 once the audience is deleted; never anything else.
    for (const { result, audienceId } of writes) {
      expect(audienceId === shared.id ? [200] : [200, 404]).toContain(result.status);
    }

    for (const audience of [shared, ...others]) {
      const row = (await server.db('audience').where({ id: audience.id }).first()) as {
        name: string;
        updated_at: string;
        updated_by: string;
        deleted_at: string | null;
        deleted_by: string | null;
      };
      const mine = writes.filter((write) => write.audienceId === audience.id);
      const updates = mine.filter(
        (write) => write.kind === 'update' && write.result.status === 200,
      );
      const deleted = mine.filter(
        (write) => write.kind === 'delete' && write.result.status === 200,
      );

      // The row holds the last successful update: its name, its user, its time, and no update
      // that succeeded carries a later time.
      const last = updates.find((write) => write.name === row.name);
      if (updates.length > 0) {
        expect(last).toBeDefined();
        expect(row.updated_by).toBe(last!.userId);
        expect(last!.result.body.updatedAt).toBe(new Date(row.updated_at).toISOString());
        for (const update of updates) {
          expect(update.result.body.updatedAt <= last!.result.body.updatedAt).toBe(true);
        }
      }
      if (audience === shared) {
        expect(deleted).toHaveLength(0);
        expect(row.deleted_at).toBeNull();
        expect(updates).toHaveLength(10 * ROUNDS);
        continue;
      }
      // Two writers deleted it: exactly one succeeded, and the row names that one; no update
      // succeeded after it.
      expect(deleted).toHaveLength(1);
      expect(row.deleted_by).toBe(deleted[0]!.userId);
      expect(deleted[0]!.result.body.deletedAt).toBe(new Date(row.deleted_at!).toISOString());
      for (const update of updates) {
        expect(update.result.body.updatedAt <= deleted[0]!.result.body.deletedAt).toBe(true);
      }
    }
  },
  longOr(60_000, 600_000),
);

// Clients adding and removing members of three audiences while others rename and erase the very
// contacts they name, all at once, through both doors.
const MIXERS = 40;
const MIX_ROUNDS = longOr(6, 40);
const MIX_CONTACTS = longOr(300, 2000);

test(
  'concurrent adds, removes, renames, consent changes, opt-out lists and contact deletes: no deadlock or error reaches a client, every count stays exact',
  async () => {
    const org = await TestOrganization.create(server.db);
    const created = await org.contacts(MIX_CONTACTS);
    const contacts = created.map((contact) => contact.id);
    const phoneOf = new Map(created.map((contact) => [contact.id, contact.primaryPhone]));
    const audiences = await Promise.all(
      [0, 1, 2].map((index) =>
        org.audience(`Mixed ${index}`, { members: created.slice(index * 50, index * 50 + 150) }),
      ),
    );
    const deleted = new Set<string>();
    const failures: string[] = [];
    const refused: string[] = [];
    const pick = (size: number) =>
      Array.from({ length: size }, () => contacts[Math.floor(Math.random() * contacts.length)]!);

    const clients = Array.from({ length: MIXERS }, async (_, client) => {
      for (let round = 0; round < MIX_ROUNDS; round += 1) {
        const audience = audiences[(client + round) % 3]!;
        const kind = ['add', 'remove', 'delete', 'rename', 'consent', 'optOut'][
          (client + round * 3) % 6
        ]!;
        const viaGraphql = (client + round) % 2 === 0;
        if (kind === 'add' || kind === 'remove') {
          const ids = [...new Set(pick(20 + Math.floor(Math.random() * 80)))];
          const field = kind === 'add' ? 'addContactsToAudience' : 'removeContactsFromAudience';
          let status: number;
          let unknown: string[] = [];
          if (viaGraphql) {
            const result = await server.graphql(
              `mutation($id: ID!, $contacts: [ID!]!) { ${field}(id: $id, contacts: $contacts) }`,
              { id: audience.id, contacts: ids },
              org.apiKey,
            );
            const error = result.errors?.[0];
            status = !error ? 200 : error.extensions.code === 'BAD_USER_INPUT' ? 400 : 500;
            unknown = (error?.extensions.unknownContactIds as string[]) ?? [];
          } else {
            const path = kind === 'add' ? 'add-contacts' : 'remove-contacts';
            const result = await rest(server.url, 'POST', `/api/audience/${audience.id}/${path}`, {
              apiKey: org.apiKey,
              json: { contacts: ids },
            });
            status = result.status;
            if (status === 400)
              unknown = ids.filter((id) => String(result.body.message).includes(id));
          }
          // Refused only for ids whose contacts were erased meanwhile (checked at the end).
          if (status === 400 && unknown.length > 0) refused.push(...unknown);
          else if (status !== 200) failures.push(`${kind} ${status}`);
        } else if (kind === 'delete') {
          const [id] = pick(1);
          const result = viaGraphql
            ? await server
                .graphql('mutation($id: ID!) { deleteContact(id: $id) { id } }', { id }, org.apiKey)
                .then((answer) => ({
                  status: !answer.errors
                    ? 200
                    : answer.errors[0]!.extensions.code === 'NOT_FOUND'
                      ? 404
                      : 500,
                }))
            : await rest(server.url, 'DELETE', `/api/contacts/${id}`, { apiKey: org.apiKey });
          if (result.status === 200) deleted.add(id!);
          else if (result.status !== 404) failures.push(`delete ${result.status}`);
        } else if (kind === 'consent') {
          // Consent changed on both doors while the same contacts are added and removed.
          const [id] = pick(1);
          const status = ['SUBSCRIBED', 'UNSUBSCRIBED', 'NEVER_SUBSCRIBED'][round % 3]!;
          const result = viaGraphql
            ? await server
                .graphql(
                  `mutation($id: ID!) { updateContact(id: $id, input: { smsConsent: ${status}, primaryEmail: "c${client}@example.com", emailConsent: ${status} }) { id } }`,
                  { id },
                  org.apiKey,
                )
                .then((answer) => ({
                  status: !answer.errors
                    ? 200
                    : answer.errors[0]!.extensions.code === 'NOT_FOUND'
                      ? 404
                      : 500,
                }))
            : await rest(server.url, 'PUT', `/api/contacts/${id}`, {
                apiKey: org.apiKey,
                json: { smsConsent: status },
              });
          if (result.status !== 200 && result.status !== 404)
            failures.push(`consent ${result.status}`);
        } else if (kind === 'optOut') {
          const phones = pick(30).map((id) => phoneOf.get(id)!);
          const result = await rest(server.url, 'POST', '/api/contacts/opt-outs', {
            apiKey: org.apiKey,
            json: { channel: round % 2 ? 'sms' : 'email', phones },
          });
          if (result.status !== 200) failures.push(`optOut ${result.status}`);
        } else {
          const [id] = pick(1);
          const result = await rest(server.url, 'PUT', `/api/contacts/${id}`, {
            apiKey: org.apiKey,
            json: { firstName: `Renamed ${client} ${round}`, lastName: round % 2 ? 'Zed' : 'ab' },
          });
          if (result.status !== 200 && result.status !== 404)
            failures.push(`rename ${result.status}`);
        }
      }
    });
    await Promise.all(clients);

    expect(failures).toEqual([]);
    expect(deleted.size).toBeGreaterThan(0);
    expect(refused.filter((id) => !deleted.has(id))).toEqual([]);
    // Erased contacts left no membership; every kept count is the truth.
    const { rows } = await server.db.raw<{ rows: { n: number }[] }>(
      'select count(*)::int as n from audience_contact where contact_id = any(cast(? as uuid[]))',
      [[...deleted]],
    );
    expect(rows[0]!.n).toBe(0);
    expect(await countsDrift(server.db, org.organizationId)).toEqual(NO_DRIFT);
    for (const audience of audiences) {
      const read = await server.graphql(
        'query($id: ID!) { audience(id: $id) { contactCount smsSubscribedCount contacts { meta { total } } subscribed: contacts(smsConsent: SUBSCRIBED) { meta { total } } } }',
        { id: audience.id },
        org.apiKey,
      );
      const members = await server.countRows('audience_contact', { audience_id: audience.id });
      const subscribed = await server.countRows('audience_contact', {
        audience_id: audience.id,
        sms_consent: 'SUBSCRIBED',
      });
      expect(read.data!.audience).toEqual({
        contactCount: members,
        smsSubscribedCount: subscribed,
        contacts: { meta: { total: members } },
        subscribed: { meta: { total: subscribed } },
      });
    }
  },
  longOr(120_000, 600_000),
);
