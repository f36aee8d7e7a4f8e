import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { connectOrm } from '../src/database/database';
import {
  BENCH_ORG_ID,
  BENCH_USER_ID,
  benchDatabase,
  OTHER_ORG_ID,
  OTHER_USER_ID,
} from './bench-database';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

// Fills the benchmark database: one large organization (1,000,000 contacts, 10,000 audiences with
// 0 to 200,000 members each) and a second one, so that scoping is exercised. Everything is derived
// from row numbers by md5, so every run makes the same data; rows are made inside PostgreSQL by
// set-based INSERT … SELECT, the fastest bulk path short of COPY files.
const { values } = parseArgs({
  options: {
    contacts: { type: 'string', default: '1000000' },
    audiences: { type: 'string', default: '10000' },
    force: { type: 'boolean', default: false },
  },
});
const CONTACTS = Number(values.contacts);
const AUDIENCES = Number(values.audiences);

/** Member counts: a few large audiences, a hundred mid-sized, the rest 0 to 200. */
const SIZE_SQL = `case
  when a = 1 then least(200000, ${CONTACTS})
  when a = 2 then least(100000, ${CONTACTS})
  when a = 3 then least(50000, ${CONTACTS})
  when a <= 10 then least(20000, ${CONTACTS})
  when a <= 100 then least(1000, ${CONTACTS})
  else (('x' || substr(md5('size-' || a), 1, 8))::bit(32)::int & 2147483647) % 201
end`;

async function main(): Promise<void> {
  const database = await benchDatabase();
  const { orm } = await connectOrm({
    url: database.url,
    poolSize: 2,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  const db = orm.em.getKnex();
  const started = Date.now();
  try {
    const existing = await db('contact')
      .where({ organization_id: BENCH_ORG_ID })
      .count({ n: '*' })
      .first();
    if (Number((existing as { n: string }).n) === CONTACTS && !values.force) {
      console.log(
        `The benchmark data is already there (${CONTACTS} contacts); --force loads it again.`,
      );
      return;
    }
    for (const [label, sql] of LOAD_STEPS()) {
      const at = Date.now();
      process.stdout.write(`${label} … `);
      const result = await db.raw(sql);
      console.log(
        `${(result as { rowCount?: number }).rowCount ?? ''} rows in ${((Date.now() - at) / 1000).toFixed(1)} s`,
      );
    }
    console.log(`done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  } finally {
    await orm.close();
    await database.stop();
  }
}

/** The load, statement by statement: what each step is called, and its SQL. */
const LOAD_STEPS = (): [string, string][] => [
  [
    'removing earlier benchmark data',
    `delete from organization where id in ('${BENCH_ORG_ID}', '${OTHER_ORG_ID}')`,
  ],
  [
    'organizations and users',
    `with orgs as (
         insert into organization (id, name) values ('${BENCH_ORG_ID}', 'Bench Organization'), ('${OTHER_ORG_ID}', 'Other Organization') returning id
       )
       insert into app_user (id, organization_id, name)
       values ('${BENCH_USER_ID}', '${BENCH_ORG_ID}', 'Bench User'), ('${OTHER_USER_ID}', '${OTHER_ORG_ID}', 'Other User')`,
  ],
  [`${CONTACTS.toLocaleString('en')} contacts`, contactsSql(BENCH_ORG_ID, 'contact', CONTACTS)],
  ['10,000 contacts of the other organization', contactsSql(OTHER_ORG_ID, 'other-contact', 10_000)],
  [
    `${AUDIENCES.toLocaleString('en')} audiences`,
    `insert into audience (id, organization_id, name, description, created_at, updated_at, created_by, updated_by)
       select md5('audience-' || a)::uuid, '${BENCH_ORG_ID}',
              (array['VIP', 'Newsletter', 'Win-back', 'Spring', 'Loyal', 'Dormant', 'Prospects', 'Event'])[1 + a % 8] || ' ' || a,
              case when a % 4 = 0 then null else 'Audience number ' || a || ' for campaign ' || (a % 97) end,
              timestamptz '2025-01-01' + a * interval '1 minute', timestamptz '2025-01-01' + a * interval '1 minute',
              '${BENCH_USER_ID}', '${BENCH_USER_ID}'
       from generate_series(1, ${AUDIENCES}) a`,
  ],
  [
    '100 audiences of the other organization',
    `insert into audience (id, organization_id, name, created_by, updated_by)
       select md5('other-audience-' || a)::uuid, '${OTHER_ORG_ID}', 'Other ' || a, '${OTHER_USER_ID}', '${OTHER_USER_ID}'
       from generate_series(1, 100) a`,
  ],
  [
    'memberships (a few large audiences, most small)',
    `insert into audience_contact (audience_id, contact_id, added_at, added_by, first_name, last_name, primary_phone, contact_created_at, sms_consent, email_consent)
       select member.audience_id, c.id, member.added_at, '${BENCH_USER_ID}', c.first_name, c.last_name, c.primary_phone, c.created_at, c.sms_consent, c.email_consent
       from (
         select md5('audience-' || a)::uuid as audience_id,
                -- A stride prime to the contact count spreads members over the whole list.
                md5('contact-' || (1 + (start + g::bigint * 7919) % ${CONTACTS}))::uuid as contact_id,
                timestamptz '2025-06-01' + g * interval '1 second' as added_at, a, g
         from (
           select a, ${SIZE_SQL} as size,
                  (('x' || substr(md5('start-' || a), 1, 8))::bit(32)::int & 2147483647) % ${CONTACTS} as start
           from generate_series(1, ${AUDIENCES}) a
         ) plan
         cross join lateral generate_series(0, plan.size - 1) g
       ) member
       join contact c on c.id = member.contact_id
       order by member.a, member.g`,
  ],
  // VACUUM sets the visibility map, without which counts cannot be index-only scans.
  ['VACUUM ANALYZE', 'vacuum analyze'],
];

function contactsSql(organizationId: string, prefix: string, count: number): string {
  const pick = (list: string, salt: string) =>
    `(array[${list}])[1 + (('x' || substr(md5('${salt}' || i), 1, 8))::bit(32)::int & 2147483647) % ${list.split(',').length}]`;
  // Consent: SMS SUBSCRIBED for 60 %, UNSUBSCRIBED for 1 % (a rare filter), never for the rest;
  // e-mail SUBSCRIBED for 3 in 7 of those with an address, UNSUBSCRIBED for 1 in 7.
  const since = `timestamptz '2024-01-01' + i * interval '10 seconds'`;
  const sms = `case when i % 100 < 60 then 'SUBSCRIBED' when i % 100 = 60 then 'UNSUBSCRIBED' else 'NEVER_SUBSCRIBED' end::consent_status`;
  const email = `case when i % 3 = 0 or i % 7 > 3 then 'NEVER_SUBSCRIBED' when i % 7 < 3 then 'SUBSCRIBED' else 'UNSUBSCRIBED' end::consent_status`;
  return `insert into contact (id, organization_id, first_name, last_name, primary_phone, primary_email, created_at, updated_at,
      sms_consent, sms_consent_updated_at, sms_consent_source, email_consent, email_consent_updated_at, email_consent_source)
    select md5('${prefix}-' || i)::uuid, '${organizationId}', first_name, last_name,
           '+1' || lpad((2000000000 + i)::text, 10, '0'),
           case when i % 3 = 0 then null else lower(first_name) || '.' || i || '@example.com' end,
           ${since}, ${since},
           ${sms}, case when i % 100 <= 60 then ${since} end, case when i % 100 <= 60 then 'IMPORT'::consent_source end,
           ${email}, case when i % 3 <> 0 and i % 7 <= 3 then ${since} end,
           case when i % 3 <> 0 and i % 7 <= 3 then 'IMPORT'::consent_source end
    from (
      select i, ${pick(FIRST_NAMES, 'first-')} as first_name, ${pick(LAST_NAMES, 'last-')} as last_name
      from generate_series(1, ${count}) i
    ) generated`;
}

const FIRST_NAMES = [
  'John',
  'Amina',
  'Youssef',
  'Sara',
  'Omar',
  'Lina',
  'David',
  'Fatima',
  'Mehdi',
  'Emma',
  'Karim',
  'Nora',
  'Lucas',
  'Salma',
  'Adam',
  'Chloe',
  'Hamza',
  'Ines',
  'Noah',
  'Zineb',
  'Mia',
  'Ali',
  'Leo',
  'Hiba',
  'Paul',
  'Rania',
  'Yanis',
  'Jade',
  'Ayoub',
  'Louise',
  'Anas',
  'Alice',
  'Imane',
  'Hugo',
  'Nadia',
  'Rayan',
  'Maya',
  'Ilyas',
  'Lea',
  'Samir',
]
  .map((name) => `'${name}'`)
  .join(',');
const LAST_NAMES = [
  'Doe',
  'Benali',
  'Idrissi',
  'Martin',
  'Alaoui',
  'Bernard',
  'Tazi',
  'Dubois',
  'Berrada',
  'Moreau',
  'Chraibi',
  'Laurent',
  'Fassi',
  'Garcia',
  'Bennani',
  'Smith',
  'Johnson',
  'Lopez',
  'Haddad',
  'Amrani',
  'Petit',
  'Roux',
  'Kettani',
  'Fournier',
  'Sebti',
  'Girard',
  'Lahlou',
  'Bonnet',
  'Ziani',
  'Mercier',
]
  .map((name) => `'${name}'`)
  .join(',');

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
