import type { Knex } from '@mikro-orm/postgresql';
import pg from 'pg';
import { BENCH_ORG_ID } from './bench-database';

// Scenario 7: consent written for 100,000 phones. POST /api/contacts/opt-outs with 100,000 phones
// of SMS-subscribed contacts (each in about 1.6 audiences: their copies and the audiences' counts
// follow in the same transaction, and each change is recorded), five calls; then, in the same
// run, the one UPDATE the path amounts to, sent straight from pg with the same triggers, as the
// floor. Between calls the contacts are subscribed again by SQL (not timed). Each call takes tens
// of seconds on the benchmark data, so there are CALLS of each, not five.

export const OPT_OUT_PHONES = 100_000;
export const CALLS = 2;

/** The phones of the first 100,000 SMS-subscribed contacts of the benchmark data (bench-data.ts). */
function subscribedPhones(offset: number): string[] {
  const phones: string[] = [];
  for (let i = 1; phones.length < OPT_OUT_PHONES + offset; i += 1) {
    if (i % 100 < 60) phones.push(`+1${String(2_000_000_000 + i).padStart(10, '0')}`);
  }
  return phones.slice(offset);
}

export interface OptOutTimings {
  /** Milliseconds of each call through the service. */
  service: number[];
  /** Milliseconds of each raw UPDATE. */
  raw: number[];
  unsubscribed: number[];
  records: number;
}

export async function optOutTimings(
  base: string,
  headers: Record<string, string>,
  db: Knex,
  databaseUrl: string,
): Promise<OptOutTimings> {
  const phones = subscribedPhones(0);
  const resubscribe = () =>
    db.raw(
      `update contact set sms_consent = 'SUBSCRIBED' where organization_id = ? and primary_phone = any(?) and sms_consent <> 'SUBSCRIBED'`,
      [BENCH_ORG_ID, phones],
    );
  const recordsBefore = await countRecords(db);
  const timings: OptOutTimings = { service: [], raw: [], unsubscribed: [], records: 0 };
  for (let call = 0; call < CALLS; call += 1) {
    await resubscribe();
    const started = performance.now();
    const response = await fetch(`${base}/api/contacts/opt-outs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ channel: 'sms', phones }),
    });
    const text = await response.text();
    timings.service.push(performance.now() - started);
    if (response.status !== 200) throw new Error(`opt-outs answered ${response.status}: ${text}`);
    timings.unsubscribed.push((JSON.parse(text) as { unsubscribed: number }).unsubscribed);
  }
  // Each call recorded one change per phone (and each resubscription another).
  timings.records = (await countRecords(db)) - recordsBefore;
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    for (let call = 0; call < CALLS; call += 1) {
      await resubscribe();
      const started = performance.now();
      await client.query(
        `update contact set sms_consent = 'UNSUBSCRIBED', sms_consent_source = 'OPT_OUT_LIST', sms_consent_updated_at = clock_timestamp(), updated_at = clock_timestamp()
         where organization_id = $1 and primary_phone = any($2) and sms_consent <> 'UNSUBSCRIBED'`,
        [BENCH_ORG_ID, phones],
      );
      timings.raw.push(performance.now() - started);
    }
  } finally {
    await client.end();
  }
  await resubscribe();
  return timings;
}

async function countRecords(db: Knex): Promise<number> {
  const { rows } = await db.raw<{ rows: { n: string }[] }>(
    'select count(*) as n from consent_change where organization_id = ?',
    [BENCH_ORG_ID],
  );
  return Number(rows[0]!.n);
}
