import { parse } from 'csv-parse/sync';
import { ConsentStatus } from '../src/contact/consent.type';
import { TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';

// Exports (GET /api/contacts/export, GET /api/audience/:id/contacts/export): what the pages list,
// in their order, as a file the import takes back unchanged.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const FIELDS = [
  'firstName',
  'lastName',
  'primaryPhone',
  'primaryEmail',
  'smsConsent',
  'emailConsent',
];

async function download(org: TestOrganization, path: string) {
  const response = await fetch(`${server.url}${path}`, { headers: { 'x-api-key': org.apiKey } });
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    disposition: response.headers.get('content-disposition'),
    text: await response.text(),
  };
}

/** Every row a list path pages through, in its order, as an export writes them. */
async function paged(
  org: TestOrganization,
  path: string,
  query: string,
): Promise<Record<string, unknown>[]> {
  const rows: Record<string, unknown>[] = [];
  for (let page = 1; ; page += 1) {
    const { body } = await rest(server.url, 'GET', `${path}?limit=100&page=${page}${query}`, {
      apiKey: org.apiKey,
    });
    for (const contact of body.data) {
      rows.push({
        firstName: contact.firstName,
        lastName: contact.lastName,
        primaryPhone: contact.primaryPhone,
        primaryEmail: contact.primaryEmail,
        smsConsent: contact.smsConsent.status,
        emailConsent: contact.emailConsent.status,
      });
    }
    if (!body.meta.hasNextPage) return rows;
  }
}

function fromCsv(text: string): Record<string, unknown>[] {
  const records = parse(text, { columns: true }) as Record<string, string>[];
  return records.map((record) => ({ ...record, primaryEmail: record.primaryEmail || null }));
}

function fromNdjson(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

async function seeded(): Promise<TestOrganization> {
  const org = await TestOrganization.create(server.db);
  await org.contacts(250, (index) => ({
    firstName:
      index % 7 === 0
        ? `Quote "${index}", comma`
        : index % 11 === 0
          ? ` Spaced ${index} `
          : `Name${index % 13}`,
    lastName: index % 5 === 0 ? 'Émile\nLine' : `Last${index % 3}`,
    primaryEmail: index % 2 === 0 ? `p${index}@example.com` : null,
    smsConsent: index % 3 === 0 ? ConsentStatus.SUBSCRIBED : undefined,
  }));
  return org;
}

test('a contacts export holds what the pages list, in their order, for every search, sort and filter, in CSV and NDJSON', async () => {
  const org = await seeded();
  for (const query of [
    '',
    '&sortBy=firstName&sortOrder=asc',
    '&search=name1&sortBy=lastName',
    '&smsConsent=SUBSCRIBED&sortBy=primaryPhone&sortOrder=asc',
    '&search=%22&smsConsent=NEVER_SUBSCRIBED',
  ]) {
    const expected = await paged(org, '/api/contacts', query);
    const csv = await download(org, `/api/contacts/export?format=csv${query}`);
    expect(csv.status).toBe(200);
    expect(csv.type).toBe('text/csv; charset=utf-8');
    expect(csv.disposition).toBe('attachment; filename="contacts.csv"');
    expect(csv.text.split('\n')[0]).toBe(FIELDS.join(','));
    expect(fromCsv(csv.text)).toEqual(expected);
    const ndjson = await download(org, `/api/contacts/export?format=ndjson${query}`);
    expect(ndjson.type).toBe('application/x-ndjson; charset=utf-8');
    expect(fromNdjson(ndjson.text)).toEqual(expected);
  }
  // CSV by default.
  expect((await download(org, '/api/contacts/export')).type).toBe('text/csv; charset=utf-8');
});

test('an export imported again changes nothing, in either format', async () => {
  const org = await seeded();
  for (const [format, type] of [
    ['csv', 'text/csv'],
    ['ndjson', 'application/x-ndjson'],
  ] as const) {
    const file = await download(org, `/api/contacts/export?format=${format}`);
    const started = await fetch(`${server.url}/api/contacts/imports`, {
      method: 'POST',
      headers: { 'x-api-key': org.apiKey, 'content-type': type },
      body: file.text,
    });
    let job = (await started.json()) as Record<string, any>;
    while (job.status === 'queued' || job.status === 'running') {
      await new Promise((resolve) => setTimeout(resolve, 50));
      job = (
        await rest(server.url, 'GET', `/api/contacts/imports/${job.id}`, { apiKey: org.apiKey })
      ).body;
    }
    expect(job).toMatchObject({
      status: 'completed',
      rows: 250,
      unchanged: 250,
      created: 0,
      updated: 0,
    });
  }
});

test('an audience export holds its members as its member pages list them; another organization’s audience is not found', async () => {
  const org = await seeded();
  const members = await org.contacts(120, (index) => ({ firstName: `Member${index % 9}` }));
  const audience = await org.audience('Exported', { members });
  for (const query of ['', '&sortBy=firstName&sortOrder=asc', '&search=member3']) {
    const expected = await paged(org, `/api/audience/${audience.id}/contacts`, query);
    const csv = await download(
      org,
      `/api/audience/${audience.id}/contacts/export?format=csv${query}`,
    );
    expect(csv.status).toBe(200);
    expect(csv.disposition).toBe(`attachment; filename="audience-${audience.id}-contacts.csv"`);
    expect(fromCsv(csv.text)).toEqual(expected);
    const ndjson = await download(
      org,
      `/api/audience/${audience.id}/contacts/export?format=ndjson${query}`,
    );
    expect(fromNdjson(ndjson.text)).toEqual(expected);
  }
  const other = await TestOrganization.create(server.db);
  const hidden = await download(other, `/api/audience/${audience.id}/contacts/export`);
  expect(hidden.status).toBe(404);
  const theirs = await download(other, '/api/contacts/export?format=ndjson');
  expect(theirs.status).toBe(200);
  expect(theirs.text).toBe('');
});

test('a bad format or argument is refused with a message that names it', async () => {
  const org = await TestOrganization.create(server.db);
  for (const [query, field] of [
    ['format=xml', 'format'],
    ['sortBy=city', 'sortBy'],
    ['smsConsent=MAYBE', 'smsConsent'],
    ['page=2', 'page'],
  ]) {
    const answer = await download(org, `/api/contacts/export?${query}`);
    expect(answer.status).toBe(400);
    expect(answer.text).toContain(field!);
  }
});
