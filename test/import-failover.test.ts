import { createDatabase, dropDatabase } from './support/databases';
import { nextPhone, TestOrganization } from './support/fixtures';
import { freePort, ServiceProcess } from './support/processes';
import { rest } from './support/rest-client';
import { TestServer } from './support/test-server';

// Import jobs across instances, on a database of their own (a short lease, and no other test's
// runner to fail or start their jobs): an instance killed mid-job leaves its job failed with
// nothing written, one job per organization runs at a time, and IMPORT_CONCURRENCY caps an
// instance.
const LEASE_MS = 3000;
const HEADER = 'firstName,lastName,primaryPhone,primaryEmail';

let url: string;
let local: TestServer;
const name = `audience_gateway_imports_${Date.now()}_${process.pid}`;
// The instance's errors (an import job that failed unexpectedly), printed at the end: a job that
// fails where it should not then says why in the test's output.
const errors: string[] = [];
beforeAll(async () => {
  url = await createDatabase(process.env.TEST_DATABASE_URL!, name);
  local = await TestServer.start({
    databaseUrl: url,
    config: { importLeaseMs: LEASE_MS, logLevel: 'error' },
    logStream: { write: (line) => void errors.push(line) },
  });
}, 60_000);
afterAll(async () => {
  if (errors.length > 0) console.log(`the instance logged errors:\n${errors.join('')}`);
  await local?.close();
  await dropDatabase(process.env.TEST_DATABASE_URL!, name);
});

function file(rows: number): string {
  const lines = [HEADER];
  for (let index = 0; index < rows; index += 1) lines.push(`Bulk${index % 50},Row,${nextPhone()},`);
  return `${lines.join('\n')}\n`;
}

async function upload(baseUrl: string, org: TestOrganization, body: string) {
  const response = await fetch(`${baseUrl}/api/contacts/imports`, {
    method: 'POST',
    headers: { 'x-api-key': org.apiKey, 'content-type': 'text/csv' },
    body,
  });
  expect(response.status).toBe(202);
  return (await response.json()) as Record<string, any>;
}

async function job(baseUrl: string, org: TestOrganization, id: string) {
  return (await rest(baseUrl, 'GET', `/api/contacts/imports/${id}`, { apiKey: org.apiKey })).body;
}

async function until(
  baseUrl: string,
  org: TestOrganization,
  id: string,
  done: (job: Record<string, any>) => boolean,
  timeoutMs = 60_000,
): Promise<Record<string, any>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const current = await job(baseUrl, org, id);
    if (done(current)) return current;
    if (Date.now() > deadline) throw new Error(`job ${id} is still ${JSON.stringify(current)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const finished = (current: Record<string, any>) =>
  current.status === 'completed' || current.status === 'failed';

test('an instance killed while its job runs leaves the job failed, with nothing written; another instance says so', async () => {
  const org = await TestOrganization.create(local.db);
  const doomed = new ServiceProcess({
    DATABASE_URL: url,
    PORT: String(await freePort()),
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: '0',
    IMPORT_LEASE_MS: String(LEASE_MS),
  });
  try {
    const [, listening] = await doomed.waitFor(/is listening on (\S+)/, 120_000);
    const started = await upload(listening!, org, file(150_000));
    // Running, and far enough in that its progress is recorded.
    const running = await until(listening!, org, started.id, (current) => current.rows > 0);
    expect(running.status).toBe('running');
    await doomed.stop('SIGKILL');
    const failed = await until(local.url, org, started.id, finished, 6 * LEASE_MS);
    expect(failed).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/stopped before it finished; nothing was written/),
      created: 0,
    });
    expect(await local.countRows('contact', { organization_id: org.organizationId })).toBe(0);
    // The organization is not held up by the job that died: its next job runs.
    const next = await upload(local.url, org, file(10));
    expect(await until(local.url, org, next.id, finished)).toMatchObject({
      status: 'completed',
      created: 10,
    });
  } finally {
    await doomed.stop('SIGKILL').catch(() => undefined);
  }
}, 180_000);

test('one job per organization runs at a time, the next waits queued; another organization’s runs beside it and reads go on', async () => {
  const [busy, other] = await Promise.all([
    TestOrganization.create(local.db),
    TestOrganization.create(local.db),
  ]);
  const first = await upload(local.url, busy, file(60_000));
  const second = await upload(local.url, busy, file(5));
  expect(second.status).toBe('queued');
  const beside = await upload(local.url, other, file(5));
  const besideDone = await until(local.url, other, beside.id, finished);
  // The whole job on failure: its reason says why.
  expect(besideDone).toMatchObject({ status: 'completed', created: 5 });
  // While the big job runs, the organization's own reads answer.
  const during = await job(local.url, busy, first.id);
  expect(during.status).toBe('running');
  const started = Date.now();
  const read = await rest(local.url, 'GET', '/api/contacts', { apiKey: busy.apiKey });
  expect(read.status).toBe(200);
  expect(read.body.meta.total).toBe(0);
  expect(Date.now() - started).toBeLessThan(2000);
  const firstDone = await until(local.url, busy, first.id, finished);
  const secondDone = await until(local.url, busy, second.id, finished);
  expect([firstDone, secondDone]).toMatchObject([{ status: 'completed' }, { status: 'completed' }]);
  expect(Date.parse(secondDone.startedAt)).toBeGreaterThanOrEqual(Date.parse(firstDone.finishedAt));
  expect(Date.parse(besideDone.finishedAt)).toBeLessThan(Date.parse(firstDone.finishedAt));
}, 120_000);

test('IMPORT_CONCURRENCY caps the jobs an instance runs at once', async () => {
  const single = await TestServer.start({
    databaseUrl: url,
    config: { importLeaseMs: LEASE_MS, importConcurrency: 1 },
  });
  try {
    const [one, two] = await Promise.all([
      TestOrganization.create(local.db),
      TestOrganization.create(local.db),
    ]);
    const first = await upload(single.url, one, file(40_000));
    const second = await upload(single.url, two, file(5));
    expect(second.status).toBe('queued');
    const firstDone = await until(single.url, one, first.id, finished);
    const secondDone = await until(single.url, two, second.id, finished);
    expect(Date.parse(secondDone.startedAt)).toBeGreaterThanOrEqual(
      Date.parse(firstDone.finishedAt),
    );
  } finally {
    await single.close();
  }
}, 120_000);

test('an upload that takes longer than the lease keeps its job, which then runs', async () => {
  const org = await TestOrganization.create(local.db);
  const lines = file(300).split('\n');
  // The file sent in six parts a second apart: twice the lease.
  const parts = Array.from({ length: 6 }, (_, part) =>
    lines.slice((part * lines.length) / 6, ((part + 1) * lines.length) / 6).join('\n'),
  ).map((text, part, all) => (part < all.length - 1 ? `${text}\n` : text));
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = parts.shift();
      if (next === undefined) return controller.close();
      await new Promise((resolve) => setTimeout(resolve, 1000));
      controller.enqueue(new TextEncoder().encode(next));
    },
  });
  const response = await fetch(`${local.url}/api/contacts/imports`, {
    method: 'POST',
    headers: { 'x-api-key': org.apiKey, 'content-type': 'text/csv' },
    body,
    duplex: 'half',
  } as RequestInit);
  expect(response.status).toBe(202);
  const started = (await response.json()) as { id: string };
  expect(await until(local.url, org, started.id, finished)).toMatchObject({
    status: 'completed',
    created: 300,
  });
}, 60_000);
