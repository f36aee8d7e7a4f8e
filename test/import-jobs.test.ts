import { pruneJobs } from '../src/bulk/import-job.repository';
import { nextPhone, TestOrganization } from './support/fixtures';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';
import { countsDrift, NO_DRIFT } from './support/counts-drift';

// Import jobs over HTTP (POST /api/contacts/imports): a job row any instance reads, all or
// nothing, an audience joined in the same transaction.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const HEADER = 'firstName,lastName,primaryPhone,primaryEmail';

async function upload(
  org: TestOrganization,
  body: string,
  { contentType = 'text/csv', query = '' }: { contentType?: string; query?: string } = {},
) {
  const response = await fetch(`${server.url}/api/contacts/imports${query}`, {
    method: 'POST',
    headers: { 'x-api-key': org.apiKey, 'content-type': contentType },
    body,
  });
  return {
    status: response.status,
    location: response.headers.get('location'),
    body: (await response.json()) as Record<string, any>,
  };
}

/** Polls the job until it is finished. */
async function finished(org: TestOrganization, id: string): Promise<Record<string, any>> {
  for (let attempt = 0; attempt < 400; attempt += 1) {
    const { body } = await rest(server.url, 'GET', `/api/contacts/imports/${id}`, {
      apiKey: org.apiKey,
    });
    if (body.status === 'completed' || body.status === 'failed') return body;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`job ${id} did not finish`);
}

test('a CSV upload answers 202 with the job and its Location; the job completes with every contact readable', async () => {
  const org = await TestOrganization.create(server.db);
  const [existing] = await org.contacts(1);
  const phones = [nextPhone(), nextPhone()];
  const file = [
    HEADER,
    `Ada,Lovelace,${phones[0]},ada@example.com`,
    `Alan,Turing,${phones[1]},`,
    `${existing!.firstName},Renamed,${existing!.primaryPhone},`,
  ].join('\n');
  const answer = await upload(org, file);
  expect(answer.status).toBe(202);
  expect(answer.location).toBe(`/api/contacts/imports/${answer.body.id}`);
  expect(answer.body).toMatchObject({ format: 'csv', audienceId: null });
  expect(['queued', 'running', 'completed']).toContain(answer.body.status);
  const job = await finished(org, answer.body.id);
  expect(job).toMatchObject({
    status: 'completed',
    rows: 3,
    rowsDone: 3,
    created: 2,
    updated: 1,
    unchanged: 0,
    rejected: 0,
    problems: [],
    reason: null,
  });
  expect(Date.parse(job.finishedAt)).toBeGreaterThanOrEqual(Date.parse(job.startedAt));
  const contacts = await rest(server.url, 'GET', '/api/contacts?limit=100', { apiKey: org.apiKey });
  expect(contacts.body.meta.total).toBe(3);
  expect(await countsDrift(server.db, org.organizationId)).toEqual(NO_DRIFT);
  // The same file again changes nothing.
  const again = await finished(org, (await upload(org, file)).body.id);
  expect(again).toMatchObject({ status: 'completed', created: 0, updated: 0, unchanged: 3 });
});

test('NDJSON: a contact object a line with the API names; a bad line fails the job and writes nothing', async () => {
  const org = await TestOrganization.create(server.db);
  const good = { firstName: 'Grace', lastName: 'Hopper', primaryPhone: nextPhone() };
  const ok = await upload(
    org,
    `${JSON.stringify(good)}\n\n${JSON.stringify({ ...good, primaryPhone: nextPhone(), smsConsent: 'SUBSCRIBED' })}\n`,
    { contentType: 'application/x-ndjson' },
  );
  expect(await finished(org, ok.body.id)).toMatchObject({
    status: 'completed',
    rows: 2,
    created: 2,
  });

  const lines = [
    JSON.stringify({ ...good, primaryPhone: nextPhone() }),
    '[1,2]',
    JSON.stringify({ ...good, primaryPhone: nextPhone(), city: 'Casablanca' }),
    JSON.stringify({ ...good, firstName: 42, primaryPhone: nextPhone() }),
    '{"firstName": ',
  ];
  const bad = await upload(org, lines.join('\n'), {
    contentType: 'application/x-ndjson; charset=utf-8',
  });
  expect(bad.status).toBe(202);
  const job = await finished(org, bad.body.id);
  expect(job).toMatchObject({ status: 'failed', rows: 5, rejected: 4, created: 0, rowsDone: 0 });
  expect(job.problems.map((problem: { line: number }) => problem.line)).toEqual([2, 3, 4, 5]);
  expect(job.problems[0].messages).toEqual(['the line must be a JSON object (a contact)']);
  expect(job.problems[1].messages).toEqual(['property city should not exist']);
  expect(job.problems[2].messages.join(' ')).toMatch(/firstName/);
  expect(job.problems[3].messages[0]).toMatch(/^the line is not JSON/);
  const contacts = await rest(server.url, 'GET', '/api/contacts', { apiKey: org.apiKey });
  expect(contacts.body.meta.total).toBe(2);
});

test('with audienceId every row joins the audience in the same transaction; an unknown audience is 404 before anything runs', async () => {
  const org = await TestOrganization.create(server.db);
  const audience = await org.audience('Imported');
  const [member] = await org.contacts(1);
  const file = [
    HEADER,
    `New,One,${nextPhone()},`,
    `${member!.firstName},${member!.lastName},${member!.primaryPhone},${member!.primaryEmail ?? ''}`,
  ].join('\n');
  const answer = await upload(org, file, { query: `?audienceId=${audience.id}` });
  expect(answer.body.audienceId).toBe(audience.id);
  expect(await finished(org, answer.body.id)).toMatchObject({ status: 'completed', created: 1 });
  expect((await server.memberIds(audience.id)).length).toBe(2);
  const counted = await server.graphql(
    'query($id: ID!) { audience(id: $id) { contactCount } }',
    { id: audience.id },
    org.apiKey,
  );
  expect(counted.data!.audience.contactCount).toBe(2);
  expect(await countsDrift(server.db, org.organizationId)).toEqual(NO_DRIFT);

  const other = await TestOrganization.create(server.db);
  const theirs = await other.audience('Theirs');
  const refused = await upload(org, file, { query: `?audienceId=${theirs.id}` });
  expect(refused.status).toBe(404);
  const notUuid = await upload(org, file, { query: '?audienceId=nope' });
  expect(notUuid.status).toBe(400);
  expect(notUuid.body.message).toMatch(/audienceId/);
});

test('jobs are listed newest first and read by id, on both doors; another organization sees none of them', async () => {
  const org = await TestOrganization.create(server.db);
  const first = await upload(org, `${HEADER}\nA,B,${nextPhone()},`);
  await finished(org, first.body.id);
  const second = await upload(org, `${HEADER}\nC,D,${nextPhone()},`);
  await finished(org, second.body.id);
  const listed = await rest(server.url, 'GET', '/api/contacts/imports?limit=10', {
    apiKey: org.apiKey,
  });
  expect(listed.status).toBe(200);
  expect(listed.body.data.map((job: { id: string }) => job.id)).toEqual([
    second.body.id,
    first.body.id,
  ]);
  expect(listed.body.meta).toMatchObject({ total: 2, page: 1, limit: 10 });
  const read = await server.graphql(
    `query($id: ID!) { contactImport(id: $id) { id status created rows problems { line } }
       contactImports(limit: 1) { data { id } meta { total hasNextPage } } }`,
    { id: first.body.id },
    org.apiKey,
  );
  expect(read.errors).toBeUndefined();
  expect(read.data).toEqual({
    contactImport: { id: first.body.id, status: 'completed', created: 1, rows: 1, problems: [] },
    contactImports: { data: [{ id: second.body.id }], meta: { total: 2, hasNextPage: true } },
  });
  const other = await TestOrganization.create(server.db);
  const hidden = await rest(server.url, 'GET', `/api/contacts/imports/${first.body.id}`, {
    apiKey: other.apiKey,
  });
  expect(hidden.status).toBe(404);
  const theirs = await server.graphql(
    `query($id: ID!) { contactImport(id: $id) { id } }`,
    { id: first.body.id },
    other.apiKey,
  );
  expect(theirs.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
});

test('a body that is not CSV or NDJSON, or not UTF-8, is refused with a message naming the body', async () => {
  const org = await TestOrganization.create(server.db);
  const json = await upload(org, '{}', { contentType: 'application/json' });
  expect(json.status).toBe(400);
  expect(json.body.message).toMatch(/text\/csv or application\/x-ndjson/);
  const latin = await upload(org, `${HEADER}\n`, { contentType: 'text/csv; charset=latin1' });
  expect(latin.status).toBe(400);
  expect(latin.body.message).toMatch(/UTF-8/);
});

describe('hostile uploads: a clear answer, nothing written, the service healthy', () => {
  async function failedJob(org: TestOrganization, body: string | Buffer, contentType = 'text/csv') {
    const answer = await upload(org, body as string, { contentType });
    expect(answer.status).toBe(202);
    return finished(org, answer.body.id);
  }

  async function nothingWritten(org: TestOrganization) {
    expect(await server.countRows('contact', { organization_id: org.organizationId })).toBe(0);
  }

  test('bytes that are not UTF-8, NUL bytes, a wrong or missing header, a line that is no object', async () => {
    const org = await TestOrganization.create(server.db);
    const latin = Buffer.concat([
      Buffer.from(`${HEADER}\nOk,Row,${nextPhone()},\nJos`),
      Buffer.from([0xe9]),
      Buffer.from(`,Bad,${nextPhone()},\n`),
    ]);
    const notUtf8 = await failedJob(org, latin);
    expect(notUtf8).toMatchObject({ status: 'failed', rejected: 1 });
    expect(notUtf8.problems).toEqual([{ line: 3, messages: [expect.stringMatching(/not UTF-8/)] }]);
    const nul = await failedJob(org, `${HEADER}\nA\0B,C,${nextPhone()},\n`);
    expect(nul.problems).toEqual([{ line: 2, messages: [expect.stringMatching(/NUL/)] }]);
    const header = await failedJob(org, `first,last\nA,B\n`);
    expect(header.problems[0]).toMatchObject({ line: 1 });
    expect(header.problems[0].messages[0]).toMatch(/header must be/);
    const empty = await failedJob(org, '');
    expect(empty.problems).toEqual([{ line: 1, messages: ['the file is empty'] }]);
    const scalar = await failedJob(org, '42\n"text"\nnull\n', 'application/x-ndjson');
    expect(scalar.rejected).toBe(3);
    // JSON.parse's message quotes the line cut anywhere, here inside a surrogate pair: the job
    // still fails at once, its problem readable.
    const cut = await failedJob(
      org,
      '\u{10CE0}\u{8B00B}\u{105591}\u{CB14A}\n',
      'application/x-ndjson',
    );
    expect(cut.problems).toEqual([
      { line: 1, messages: [expect.stringMatching(/^the line is not JSON/)] },
    ]);
    expect(cut.finishedAt).not.toBeNull();
    await nothingWritten(org);
  });

  test('one line of 16 MB is refused as it is read, and an upload over the limits is 413', async () => {
    const org = await TestOrganization.create(server.db);
    const long = await failedJob(org, `${HEADER}\n${'x'.repeat(16 * 1024 * 1024)}`);
    expect(long.status).toBe('failed');
    expect(long.problems[0].line).toBe(2);
    const longJson = await failedJob(
      org,
      `{"firstName":"${'y'.repeat(10 * 1024 * 1024)}`,
      'application/x-ndjson',
    );
    expect(longJson.problems[0].messages[0]).toMatch(/longer than/);
    // 5,000,001 rows (short ones): refused while it arrives.
    const rows = await upload(org, `${HEADER}\n${'a\n'.repeat(5_000_001)}`);
    expect(rows.status).toBe(413);
    expect(rows.body.message).toMatch(/5,000,000 rows/);
    // A declared size past 1 GB: refused before it is read.
    const declared = await rawUpload(org, {
      contentLength: 1024 * 1024 * 1024 + 1,
      send: 'x',
      end: false,
    });
    expect(declared.status).toBe(413);
    await nothingWritten(org);
    const jobs = await rest(server.url, 'GET', '/api/contacts/imports?limit=100', {
      apiKey: org.apiKey,
    });
    expect(
      jobs.body.data.find((job: { reason: string | null }) =>
        /5,000,000 rows/.test(job.reason ?? ''),
      ),
    ).toMatchObject({ status: 'failed' });
  }, 60_000);

  test('a client that disconnects mid-upload fails its job; nothing is written', async () => {
    const org = await TestOrganization.create(server.db);
    const lines = Array.from({ length: 1000 }, () => `Cut,Off,${nextPhone()},`).join('\n');
    await rawUpload(org, {
      contentLength: 1_000_000,
      send: `${HEADER}\n${lines}`,
      end: false,
      hangUp: true,
    });
    let jobs: { status: string; reason: string | null }[] = [];
    for (let attempt = 0; attempt < 100; attempt += 1) {
      jobs = (await rest(server.url, 'GET', '/api/contacts/imports', { apiKey: org.apiKey })).body
        .data;
      if (jobs[0]?.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(jobs).toEqual([
      expect.objectContaining({ status: 'failed', reason: expect.stringMatching(/cut off/) }),
    ]);
    await nothingWritten(org);
    // Healthy after all of it.
    expect((await rest(server.url, 'GET', '/api/contacts', { apiKey: org.apiKey })).status).toBe(
      200,
    );
  });
});

/** An upload over a raw socket: a declared length, what is sent of it, and whether it hangs up. */
async function rawUpload(
  org: TestOrganization,
  {
    contentLength,
    send,
    end,
    hangUp = false,
  }: { contentLength: number; send: string; end: boolean; hangUp?: boolean },
): Promise<{ status: number | undefined }> {
  const { request } = await import('node:http');
  const target = new URL(`${server.url}/api/contacts/imports`);
  return new Promise((resolve) => {
    const call = request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          'x-api-key': org.apiKey,
          'content-type': 'text/csv',
          'content-length': contentLength,
        },
      },
      (response) => {
        response.resume();
        resolve({ status: response.statusCode });
        call.destroy();
      },
    );
    call.on('error', () => resolve({ status: undefined }));
    call.write(send);
    if (end) call.end();
    if (hangUp) setTimeout(() => call.destroy(), 200);
  });
}

test('finished jobs past the retention are pruned; recent and unfinished ones stay', async () => {
  const org = await TestOrganization.create(server.db);
  const old = await finished(
    org,
    (await upload(org, `${HEADER}\nOld,Job,${nextPhone()},`)).body.id,
  );
  const recent = await finished(
    org,
    (await upload(org, `${HEADER}\nNew,Job,${nextPhone()},`)).body.id,
  );
  await server
    .db('contact_import_job')
    .where({ id: old.id })
    .update({ finished_at: server.db.raw(`now() - interval '31 days'`) });
  const [unfinished] = await server
    .db('contact_import_job')
    .insert({
      organization_id: org.organizationId,
      format: 'csv',
      status: 'running',
      lease_until: server.db.raw(`now() + interval '1 hour'`),
      created_at: server.db.raw(`now() - interval '40 days'`),
    })
    .returning('id');
  expect(await pruneJobs(server.db, 30)).toBeGreaterThanOrEqual(1);
  const left = await server
    .db('contact_import_job')
    .where({ organization_id: org.organizationId })
    .pluck('id');
  expect(left.sort()).toEqual([recent.id, unfinished.id].sort());
  await server.db('contact_import_job').where({ id: unfinished.id }).delete();
});
