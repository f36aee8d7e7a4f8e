import pg from 'pg';
import { benchDatabase, BENCH_ORG_ID } from './bench-database';
(async () => {
  const database = await benchDatabase();
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  const phones: string[] = [];
  for (let i = 1; phones.length < 100_000; i += 1)
    if (i % 100 < 60) phones.push(`+1${String(2_000_000_000 + i).padStart(10, '0')}`);
  await client.query('begin');
  await client.query("set local track_functions = 'all'");
  for (const statement of (process.env.PRE ?? '').split(';').filter((x) => x.trim()))
    await client.query(statement);
  const t0 = Date.now();
  const r = await client.query(
    `update contact set sms_consent = 'UNSUBSCRIBED', sms_consent_source = 'OPT_OUT_LIST', sms_consent_updated_at = clock_timestamp(), updated_at = clock_timestamp()
         where organization_id = $1 and primary_phone = any($2) and sms_consent <> 'UNSUBSCRIBED'`,
    [BENCH_ORG_ID, phones],
  );
  console.log(r.rowCount);
  console.log(
    (
      await client.query(
        'select funcname, calls, total_time, self_time from pg_stat_xact_user_functions order by total_time desc',
      )
    ).rows,
  );
  console.log('ms', Date.now() - t0);
  await client.query('rollback');
  await client.end();
  await database.stop();
})();
