import type { Knex } from '@mikro-orm/postgresql';
import autocannon from 'autocannon';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { BENCH_ORG_ID } from './bench-database';

// The "read matrix" scenario: every shape of a page (each sort key both ways, page 1 and a deep
// page, searches of 1, 2 and 3+ letters, phone digits, a term matching nothing, consent filters) on audiences of
// about 5, 1,000, 20,000 and 200,000 members, on the organization's contacts and on its audiences.
// Each shape is judged against page 1 unsearched of the same list, measured in the same run:
// p50 with one client at most 3×, and at 20 connections no time-out and p99 at most 10× page 1's.

const DEEP_OFFSET = 100_000;
const SINGLE_CLIENT_REQUESTS = 25;
const SINGLE_CLIENT_WARM_UP = 5;
const LOADED_CONNECTIONS = 20;
const LOADED_SECONDS = 3;
const P50_BUDGET = 3;
const P99_BUDGET = 10;

interface Shape {
  list: string;
  shape: string;
  path: string;
  body?: string;
}

interface Measured extends Shape {
  p50: number;
  p99Loaded: number;
  timeouts: number;
  errors: number;
}

export interface MatrixRow extends Measured {
  p50Ratio: number;
  p99Ratio: number;
  met: boolean;
}

const SORTS = {
  contacts: ['createdAt', 'firstName', 'lastName', 'primaryPhone'],
  audiences: ['createdAt', 'name', 'updatedAt'],
};
const SEARCHES: [string, string][] = [
  ['1 letter', 'a'],
  ['2 letters', 'ma'],
  ['3+ letters', 'john'],
  ['phone digits', '555'],
  ['no match', 'zqxw'],
];
const AUDIENCE_SEARCHES: [string, string][] = [
  ['1 letter', 'v'],
  ['2 letters', 'ne'],
  ['3+ letters', 'loyal'],
  ['digits', '42'],
  ['no match', 'zqxw'],
];

/** A deep page: offset 100,000 where the list has that many, otherwise its middle. */
function deepPage(size: number, limit: number): number {
  const offset = size > DEEP_OFFSET + limit ? DEEP_OFFSET : Math.floor(size / 2);
  return Math.floor(offset / limit) + 1;
}

// Consent filters on lists of contacts (the bench data: SMS SUBSCRIBED 60 %, UNSUBSCRIBED 1 %).
const CONSENT_FILTERS: [string, string][] = [
  ['smsConsent SUBSCRIBED', 'smsConsent=SUBSCRIBED'],
  ['smsConsent UNSUBSCRIBED (1 %)', 'smsConsent=UNSUBSCRIBED'],
  ['smsConsent SUBSCRIBED, firstName asc', 'smsConsent=SUBSCRIBED&sortBy=firstName&sortOrder=asc'],
  [
    'smsConsent UNSUBSCRIBED, lastName desc',
    'smsConsent=UNSUBSCRIBED&sortBy=lastName&sortOrder=desc',
  ],
  ['both consents SUBSCRIBED', 'smsConsent=SUBSCRIBED&emailConsent=SUBSCRIBED'],
  ['smsConsent SUBSCRIBED, search "john"', 'smsConsent=SUBSCRIBED&search=john'],
];

/** The consent-filtered shapes of a list of contacts: page 1 of each filter, and a deep page. */
function consentShapes(
  list: string,
  size: number,
  pathOf: (query: string) => Pick<Shape, 'path' | 'body'>,
): Shape[] {
  const limit = 20;
  const shapes = CONSENT_FILTERS.map(([label, filter]) => ({
    list,
    shape: `${label}, page 1`,
    ...pathOf(`page=1&limit=${limit}&${filter}`),
  }));
  // 60 % match: a deep page of the matches.
  const deep = deepPage(Math.floor(size * 0.6), limit);
  shapes.push({
    list,
    shape: `smsConsent SUBSCRIBED, page ${deep}`,
    ...pathOf(`page=${deep}&limit=${limit}&smsConsent=SUBSCRIBED`),
  });
  return shapes;
}

function pageShapes(
  list: string,
  size: number,
  sorts: string[],
  searches: [string, string][],
  pathOf: (query: string) => Pick<Shape, 'path' | 'body'>,
): Shape[] {
  const limit = 20;
  const shapes: Shape[] = [{ list, shape: 'page 1', ...pathOf(`page=1&limit=${limit}`) }];
  for (const sortBy of sorts) {
    for (const sortOrder of ['asc', 'desc']) {
      for (const page of new Set([1, deepPage(size, limit)])) {
        shapes.push({
          list,
          shape: `${sortBy} ${sortOrder}, page ${page}`,
          ...pathOf(`page=${page}&limit=${limit}&sortBy=${sortBy}&sortOrder=${sortOrder}`),
        });
      }
    }
  }
  for (const [label, term] of searches) {
    shapes.push({
      list,
      shape: `search ${label} "${term}"`,
      ...pathOf(`page=1&limit=${limit}&search=${term}`),
    });
  }
  shapes.push({
    list,
    shape: `search "${searches[2]![1]}", page 10`,
    ...pathOf(`page=10&limit=${limit}&search=${searches[2]![1]}`),
  });
  return shapes;
}

/** GraphQL arguments from a REST query string. */
function graphqlArgs(query: string): string {
  return [...new URLSearchParams(query)]
    .map(([name, value]) =>
      name === 'sortBy' || name === 'sortOrder'
        ? `${name}: ${value}`
        : name === 'search'
          ? `search: ${JSON.stringify(value)}`
          : `${name}: ${value}`,
    )
    .join(', ');
}

async function shapesOf(db: Knex): Promise<Shape[]> {
  const { rows: picked } = await db.raw<{ rows: { id: string; contact_count: number }[] }>(
    `select distinct on (target) id, contact_count, target from (
       select id, contact_count, t.target from audience, (values (5), (1000), (20000), (200000)) t(target)
       where organization_id = ? and deleted_at is null
     ) a order by target, abs(contact_count - target), id`,
    [BENCH_ORG_ID],
  );
  const shapes: Shape[] = [];
  for (const audience of picked) {
    const list = `audience of ${audience.contact_count.toLocaleString('en')} members`;
    const membersPath = (query: string) => ({
      path: `/api/audience/${audience.id}/contacts?${query}`,
    });
    shapes.push(
      ...pageShapes(list, audience.contact_count, SORTS.contacts, SEARCHES, membersPath),
      ...consentShapes(list, audience.contact_count, membersPath),
    );
    const connection = (args: string) =>
      JSON.stringify({
        query: `{ audience(id: "${audience.id}") { contactsConnection(first: 20${args}) { edges { cursor node { id firstName lastName primaryPhone } } pageInfo { hasNextPage endCursor } totalCount } } }`,
      });
    shapes.push(
      { list, shape: 'GraphQL cursor page 1', path: '/graphql', body: connection('') },
      {
        list,
        shape: 'GraphQL cursor page 1, search "john"',
        path: '/graphql',
        body: connection(', search: "john"'),
      },
      {
        list,
        shape: 'GraphQL cursor page 1, smsConsent SUBSCRIBED',
        path: '/graphql',
        body: connection(', smsConsent: SUBSCRIBED'),
      },
    );
  }
  const { rows: counted } = await db.raw<{ rows: { contacts: number; audiences: number }[] }>(
    `select (select count(*)::int from contact where organization_id = ?) as contacts,
            (select count(*)::int from audience where organization_id = ? and deleted_at is null) as audiences`,
    [BENCH_ORG_ID, BENCH_ORG_ID],
  );
  const { contacts, audiences } = counted[0]!;
  const contactsList = `organization's ${contacts.toLocaleString('en')} contacts (GraphQL)`;
  const contactsPath = (query: string) => ({
    path: '/graphql',
    body: JSON.stringify({
      query: `{ contacts(${graphqlArgs(query)}) { data { id firstName lastName primaryPhone createdAt } meta { total totalPages } } }`,
    }),
  });
  shapes.push(
    ...pageShapes(contactsList, contacts, SORTS.contacts, SEARCHES, contactsPath),
    ...consentShapes(contactsList, contacts, contactsPath),
    ...pageShapes(
      `organization's ${audiences.toLocaleString('en')} audiences`,
      audiences,
      SORTS.audiences,
      AUDIENCE_SEARCHES,
      (query) => ({ path: `/api/audience?${query}` }),
    ),
  );
  return shapes;
}

async function measure(
  base: string,
  headers: Record<string, string>,
  shape: Shape,
): Promise<Measured> {
  const request = {
    method: shape.body ? ('POST' as const) : ('GET' as const),
    headers,
    body: shape.body,
  };
  const send = async () => {
    const response = await fetch(base + shape.path, request);
    const text = await response.text();
    if (response.status !== 200 || text.includes('"errors"'))
      throw new Error(`${shape.list}, ${shape.shape}: ${response.status} ${text.slice(0, 300)}`);
  };
  for (let index = 0; index < SINGLE_CLIENT_WARM_UP; index += 1) await send();
  const latencies: number[] = [];
  for (let index = 0; index < SINGLE_CLIENT_REQUESTS; index += 1) {
    const started = performance.now();
    await send();
    latencies.push(performance.now() - started);
  }
  latencies.sort((a, b) => a - b);
  const loaded = await autocannon({
    url: base + shape.path,
    ...request,
    connections: LOADED_CONNECTIONS,
    duration: LOADED_SECONDS,
    timeout: 10,
  });
  return {
    ...shape,
    p50: round(latencies[Math.floor(latencies.length / 2)]!),
    p99Loaded: loaded.latency.p99,
    timeouts: loaded.timeouts,
    errors: loaded.errors + loaded.non2xx - loaded.timeouts,
  };
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}

/**
 * Runs the matrix against a running service; writes bench/results/read-matrix-pgNN.{md,json}, one
 * pair per PostgreSQL major version, since the issue asks for both databases.
 */
export async function readMatrix(
  db: Knex,
  base: string,
  headers: Record<string, string>,
  resultsDir: string,
  environment: string,
  serverVersion: string,
): Promise<MatrixRow[]> {
  const name = `read-matrix-pg${serverVersion.split('.')[0]}`;
  const shapes = await shapesOf(db);
  // The process is fresh: JIT, pools and caches settle before the first figure is taken.
  await autocannon({
    url: base + shapes[0]!.path,
    headers,
    connections: LOADED_CONNECTIONS,
    duration: 5,
  });
  const measured: Measured[] = [];
  for (const shape of shapes) {
    const result = await measure(base, headers, shape);
    console.log(
      `${result.list} | ${result.shape} | p50 ${result.p50} ms | p99 at ${LOADED_CONNECTIONS}: ${result.p99Loaded} ms | time-outs ${result.timeouts}`,
    );
    measured.push(result);
    if (result.timeouts > 0) await new Promise((resolve) => setTimeout(resolve, 10_000));
  }
  const rows = measured.map((row): MatrixRow => {
    const first = measured.find((other) => other.list === row.list && other.shape === 'page 1')!;
    const p50Ratio = round(row.p50 / first.p50);
    const p99Ratio = round(row.p99Loaded / Math.max(first.p99Loaded, 1));
    return {
      ...row,
      p50Ratio,
      p99Ratio,
      met:
        p50Ratio <= P50_BUDGET && p99Ratio <= P99_BUDGET && row.timeouts === 0 && row.errors === 0,
    };
  });
  const missed = rows.filter((row) => !row.met);
  const markdown = [
    `# Read matrix, ${new Date().toISOString().slice(0, 10)}`,
    '',
    environment,
    '',
    `Each shape: p50 of ${SINGLE_CLIENT_REQUESTS} requests from one client (after ${SINGLE_CLIENT_WARM_UP} to warm up), then ${LOADED_SECONDS} s at ${LOADED_CONNECTIONS} connections (autocannon, 10 s time-out). ` +
      `Ratios are to page 1 unsearched (createdAt desc) of the same list in the same run. Met: p50 at most ${P50_BUDGET}×, p99 at ${LOADED_CONNECTIONS} connections at most ${P99_BUDGET}×, no time-out, no error.`,
    '',
    `${rows.length - missed.length} of ${rows.length} shapes met${missed.length > 0 ? `; missed: ${missed.map((row) => `${row.list}: ${row.shape}`).join('; ')}` : ''}.`,
    '',
    '| list | shape | p50 ms (1 client) | × page 1 | p99 ms (20 connections) | × page 1 | time-outs | met |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |',
    ...rows.map(
      (row) =>
        `| ${row.list} | ${row.shape} | ${row.p50} | ${row.p50Ratio} | ${row.p99Loaded} | ${row.p99Ratio} | ${row.timeouts} | ${row.met ? 'met' : '**missed**'} |`,
    ),
    '',
  ].join('\n');
  await mkdir(resultsDir, { recursive: true });
  await writeFile(path.join(resultsDir, `${name}.md`), markdown);
  await writeFile(
    path.join(resultsDir, `${name}.json`),
    `${JSON.stringify({ environment, rows }, null, 2)}\n`,
  );
  console.log(`\n${markdown}\nwritten to bench/results/${name}.md and ${name}.json`);
  return rows;
}
