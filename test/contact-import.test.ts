import { Readable } from 'node:stream';
import { ImportRaceError } from '../src/contact/contact.repository';
import {
  ImportRejectedError,
  type ImportProgress,
  importContacts,
} from '../src/contact/contact-import';
import { countsDrift, NO_DRIFT } from './support/counts-drift';
import { nextPhone, TestOrganization } from './support/fixtures';
import { TestServer } from './support/test-server';

// The CSV import (the CLI's `contacts import`), on streams: upsert by phone, all or nothing, every
// bad line reported.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const HEADER = 'firstName,lastName,primaryPhone,primaryEmail';

function csv(...lines: string[]): Readable {
  return Readable.from([[HEADER, ...lines].join('\n')]);
}

async function rejection(work: Promise<unknown>): Promise<ImportRejectedError> {
  const error = await work.then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ImportRejectedError);
  return error as ImportRejectedError;
}

test('rows whose phone the organization has update that contact; the others create one; equal ones change nothing', async () => {
  const org = await TestOrganization.create(server.db);
  const [kept, renamed] = await org.contacts(2, (index) => ({
    firstName: `Old${index}`,
    lastName: 'Same',
    primaryEmail: null,
  }));
  const audience = await org.audience('Imported into', { members: [kept!, renamed!] });
  const fresh = nextPhone();
  const report = await importContacts(
    server.db,
    org.actor,
    csv(
      `Old0,Same,${kept!.primaryPhone},`,
      `"New, Name",Same,${renamed!.primaryPhone},new@example.com`,
      `Fresh,Person,${fresh},`,
    ),
  );
  expect(report).toEqual({
    importId: expect.any(String),
    rows: 3,
    created: 1,
    updated: 1,
    unchanged: 1,
  });
  const rows = await server
    .db('contact')
    .where({ organization_id: org.organizationId })
    .orderBy('primary_phone')
    .select('id', 'first_name', 'primary_email', 'primary_phone', 'updated_at');
  const byPhone = new Map(rows.map((row) => [row.primary_phone, row]));
  expect(byPhone.get(kept!.primaryPhone)).toMatchObject({ id: kept!.id, first_name: 'Old0' });
  expect(new Date(byPhone.get(kept!.primaryPhone).updated_at)).toEqual(kept!.updatedAt);
  expect(byPhone.get(renamed!.primaryPhone)).toMatchObject({
    id: renamed!.id,
    first_name: 'New, Name',
    primary_email: 'new@example.com',
  });
  expect(byPhone.get(fresh)).toMatchObject({ first_name: 'Fresh' });
  // The audience's members follow the update; every kept count is the truth.
  const members = await server.graphql(
    'query($id: ID!) { audience(id: $id) { contacts(search: "new, name") { data { id } } } }',
    { id: audience.id },
    org.apiKey,
  );
  expect(members.data!.audience.contacts.data).toEqual([{ id: renamed!.id }]);
  expect(await countsDrift(server.db, org.organizationId)).toEqual(NO_DRIFT);
});

test('every bad line is reported with its line number, a phone on two lines included, and nothing is written', async () => {
  const org = await TestOrganization.create(server.db);
  const phone = nextPhone();
  const error = await rejection(
    importContacts(
      server.db,
      org.actor,
      csv(
        `Good,Row,${nextPhone()},`,
        `Bad,Phone,0612345678,`,
        `,Blank,${nextPhone()},`,
        `First,Use,${phone},`,
        `No,Mail,${nextPhone()},not-an-email`,
        `Second,Use,${phone},`,
      ),
    ),
  );
  expect(error.rejected).toBe(4);
  expect(error.problems.map((problem) => problem.line)).toEqual([3, 4, 6, 7]);
  expect(error.message).toContain('line 3: primaryPhone must be a phone number in E.164 form');
  expect(error.message).toContain('line 4: firstName must be longer than or equal to 1 characters');
  expect(error.message).toContain('line 6: primaryEmail must be an email');
  expect(error.message).toContain(`line 7: primaryPhone ${phone} is also on line 5`);
  expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(0);
});

test('a file with many bad lines lists the first hundred and counts them all', async () => {
  const org = await TestOrganization.create(server.db);
  const lines = Array.from({ length: 250 }, (_, index) => `Row${index},Bad,123,`);
  const error = await rejection(importContacts(server.db, org.actor, csv(...lines)));
  expect(error.rejected).toBe(250);
  expect(error.problems).toHaveLength(100);
  expect(error.message).toMatch(/^250 lines rejected:/);
  expect(error.message).toContain('… and 150 more');
});

test('a broken file, a wrong header or no rows: rejected with the line, nothing written', async () => {
  const org = await TestOrganization.create(server.db);
  const broken = await rejection(
    importContacts(server.db, org.actor, csv(`"Unclosed,Quote,${nextPhone()},`)),
  );
  expect(broken.problems[0]!.line).toBeGreaterThanOrEqual(2);
  const header = await rejection(
    importContacts(server.db, org.actor, Readable.from(['name,phone\nJohn,+1234567890\n'])),
  );
  expect(header.message).toContain(
    'line 1: the header must be firstName,lastName,primaryPhone,primaryEmail',
  );
  const empty = await rejection(importContacts(server.db, org.actor, csv()));
  expect(empty.message).toContain('the file holds no contacts');
  expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(0);
});

test('a file streamed in small chunks is read as it comes, with progress along the way', async () => {
  const org = await TestOrganization.create(server.db);
  const count = 25_000;
  async function* chunks() {
    yield `${HEADER}\n`;
    for (let index = 0; index < count; index += 1) {
      yield `Stream${index % 100},Row,+3${String(100_000_000 + index)},\n`;
    }
  }
  const progress: ImportProgress[] = [];
  const report = await importContacts(server.db, org.actor, Readable.from(chunks()), {
    onProgress: (step) => progress.push(step),
    batchLines: 10_000,
  });
  expect(report).toEqual({
    importId: expect.any(String),
    rows: count,
    created: count,
    updated: 0,
    unchanged: 0,
  });
  // Rows read every 10,000, then rows done as each range of 10,000 lines is written, the last
  // step with every row done.
  expect(
    progress
      .filter((step) => step.rows % 10_000 === 0 && step.rows < count)
      .map((step) => step.rows),
  ).toEqual([10_000, 20_000]);
  for (let index = 1; index < progress.length; index += 1) {
    const [before, after] = [progress[index - 1]!, progress[index]!];
    expect(after.rows).toBeGreaterThanOrEqual(before.rows);
    expect(after.rowsDone).toBeGreaterThanOrEqual(before.rowsDone);
    expect(after.rowsDone).toBeLessThanOrEqual(after.rows);
  }
  expect(progress.map((step) => step.rowsDone).filter((done) => done > 0)).toEqual([
    9_999,
    19_999,
    count,
  ]);
  expect(progress.at(-1)).toMatchObject({ rows: count, rowsDone: count });
  expect(progress.at(-1)!.bytes).toBeGreaterThan(count * 20);
  const total = await server.graphql('{ contacts { meta { total } } }', {}, org.apiKey);
  expect(total.data!.contacts.meta.total).toBe(count);
});

test('a contact created elsewhere with a phone of the file after the lock step fails the import whole', async () => {
  const org = await TestOrganization.create(server.db);
  const [kept] = await org.contacts(1);
  const raced = nextPhone();
  // The kept row is the contact as it is: the update changes nothing, so the import holds no
  // lock the other writer needs.
  const file = csv(
    `${kept!.firstName},${kept!.lastName},${kept!.primaryPhone},`,
    `Raced,Row,${raced},`,
    `New,Row,${nextPhone()},`,
  );
  const error = await importContacts(server.db, org.actor, file, {
    // Between the lock step and the insert: another writer commits a contact with a phone of the
    // file that had none.
    afterLock: async () => {
      await org.contactService.create([
        { firstName: 'Other', lastName: 'Writer', primaryPhone: raced },
      ]);
    },
  }).then(
    () => undefined,
    (failure: unknown) => failure,
  );
  expect(error).toBeInstanceOf(ImportRaceError);
  const rows = await server
    .db('contact')
    .where({ organization_id: org.organizationId })
    .orderBy('first_name');
  expect(rows.map((row: { first_name: string }) => row.first_name)).toEqual([
    kept!.firstName,
    'Other',
  ]);
});
