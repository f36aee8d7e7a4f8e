import { writeFile, mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runCli } from './support/processes';
import { TestServer } from './support/test-server';

// The command-line tool against the run's database, through DATABASE_URL.
let server: TestServer;
const env = () => ({ DATABASE_URL: process.env.TEST_DATABASE_URL });
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

async function csvFile(content: string): Promise<string> {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'contacts-')), 'contacts.csv');
  await writeFile(file, content);
  return file;
}

test('org create prints an organization, its user and a working API key as JSON', async () => {
  const result = await runCli(['org', 'create', '--name', 'Acme'], env());
  expect(result.code).toBe(0);
  const created = JSON.parse(result.stdout);
  expect(created).toEqual({
    organizationId: expect.any(String),
    userId: expect.any(String),
    apiKeyId: expect.any(String),
    apiKey: expect.stringMatching(/^agk_/),
  });
  const query = await server.graphql('{ audiences { meta { total } } }', {}, created.apiKey);
  expect(query.data).toEqual({ audiences: { meta: { total: 0 } } });
});

test('apikey create issues a second key; apikey revoke turns one off', async () => {
  const org = JSON.parse((await runCli(['org', 'create', '--name', 'Keys'], env())).stdout);
  const second = await runCli(['apikey', 'create', '--org', org.organizationId], env());
  expect(second.code).toBe(0);
  const key = JSON.parse(second.stdout);
  expect(key).toMatchObject({
    organizationId: org.organizationId,
    userId: org.userId,
    apiKey: expect.stringMatching(/^agk_/),
  });
  expect(
    (await server.graphql('{ audiences { meta { total } } }', {}, key.apiKey)).errors,
  ).toBeUndefined();

  const revoked = await runCli(['apikey', 'revoke', key.apiKeyId], env());
  expect(JSON.parse(revoked.stdout)).toEqual({ apiKeyId: key.apiKeyId, revoked: true });
  expect((await server.graphql('{ audiences { meta { total } } }', {}, key.apiKey)).status).toBe(
    401,
  );
  expect(
    (await server.graphql('{ audiences { meta { total } } }', {}, org.apiKey)).errors,
  ).toBeUndefined();

  const again = await runCli(['apikey', 'revoke', key.apiKeyId], env());
  expect(again).toMatchObject({ code: 1, stderr: expect.stringContaining('no live API key') });
});

test('contacts import takes a valid file whole', async () => {
  const org = JSON.parse((await runCli(['org', 'create', '--name', 'Importer'], env())).stdout);
  const file = await csvFile(
    'firstName,lastName,primaryPhone,primaryEmail\nJohn,Doe,+1234567890,john@example.com\n"Smith, Jr",Ann,+212611223344,\n',
  );
  const result = await runCli(['contacts', 'import', '--org', org.organizationId, file], env());
  expect(result.code).toBe(0);
  // The job, as GET /api/contacts/imports/:id answers it.
  const job = JSON.parse(result.stdout);
  expect(job).toMatchObject({
    id: expect.any(String),
    status: 'completed',
    format: 'csv',
    rows: 2,
    rowsDone: 2,
    created: 2,
    updated: 0,
    unchanged: 0,
    rejected: 0,
    problems: [],
  });
  const [stored] = await server.db('contact_import_job').where({ id: job.id });
  expect(stored).toMatchObject({ organization_id: org.organizationId, status: 'completed' });
  const rows = await server
    .db('contact')
    .where({ organization_id: org.organizationId })
    .orderBy('first_name');
  expect(rows.map((row: Record<string, unknown>) => [row.first_name, row.primary_email])).toEqual([
    ['John', 'john@example.com'],
    ['Smith, Jr', null],
  ]);
});

test('contacts import reports bad rows by line and imports nothing', async () => {
  const org = JSON.parse((await runCli(['org', 'create', '--name', 'Careful'], env())).stdout);
  const file = await csvFile(
    'firstName,lastName,primaryPhone,primaryEmail\nJohn,Doe,+1234567890,\nBad,Phone,0612,\nNo,Mail,+1234567891,nope\n',
  );
  const result = await runCli(['contacts', 'import', '--org', org.organizationId, file], env());
  expect(result.code).toBe(1);
  expect(result.stderr).toContain('nothing was written');
  expect(result.stderr).toContain('line 3: primaryPhone must be a phone number in E.164 form');
  expect(result.stderr).toContain('line 4: primaryEmail must be an email');
  expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(0);
});

test('contacts import refuses a wrong header and an unknown organization', async () => {
  const org = JSON.parse((await runCli(['org', 'create', '--name', 'Header'], env())).stdout);
  const wrongHeader = await runCli(
    [
      'contacts',
      'import',
      '--org',
      org.organizationId,
      await csvFile('name,phone\nJohn,+1234567890\n'),
    ],
    env(),
  );
  expect(wrongHeader).toMatchObject({
    code: 1,
    stderr: expect.stringContaining(
      'line 1: the header must be firstName,lastName,primaryPhone,primaryEmail',
    ),
  });
  const unknownOrg = await runCli(
    ['contacts', 'import', '--org', '00000000-0000-4000-8000-000000000000', 'x.csv'],
    env(),
  );
  expect(unknownOrg).toMatchObject({
    code: 1,
    stderr: expect.stringContaining('no organization has the id'),
  });
});

test('seed demo creates a demo organization with three audiences', async () => {
  const result = await runCli(['seed', 'demo'], env());
  const demo = JSON.parse(result.stdout);
  const audiences = await server.graphql(
    '{ audiences { data { name contactCount } } }',
    {},
    demo.apiKey,
  );
  expect(audiences.data!.audiences.data).toHaveLength(3);
  expect(
    audiences.data!.audiences.data.every((a: { contactCount: number }) => a.contactCount > 0),
  ).toBe(true);
});

test('a wrong command prints the usage and exits 2', async () => {
  const result = await runCli(['org', 'delete'], env());
  expect(result).toMatchObject({
    code: 2,
    stderr: expect.stringContaining('Usage: audience-gateway'),
  });
});
