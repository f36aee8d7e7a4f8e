import pg from 'pg';
import {
  joinSql,
  nativeSql,
  queryAs,
  queryRows,
  RowShape,
  sql,
  sqlText,
} from '../src/database/sql';
import { TestServer } from './support/test-server';

// The one way the service writes SQL: values travel as bindings, pieces bring their own values in
// their places, and rows come back named by their aliases.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

const HOSTILE = ["it's; drop table contact; --", '?', '$1', '\\?', 'a\nb'];

test('a value is a binding, never text, whatever it holds', async () => {
  for (const value of HOSTILE) {
    const statement = sql`select ${value}::text as value, '?' as mark`;
    expect(statement.values).toEqual([value]);
    expect(await queryRows(server.db, statement.named('test.value'))).toEqual([
      { value, mark: '?' },
    ]);
  }
});

test('pieces splice their values in order, wherever they sit', async () => {
  const numbers = [sql`${1}::int`, sql`${2}::int + ${3}::int`, sqlText('4')];
  const statement = sql`select ${'first'}::text as a, array[${joinSql(numbers, ', ')}] as n, ${'last'}::text as z`;
  expect(statement.values).toEqual(['first', 1, 2, 3, 'last']);
  expect(await queryRows(server.db, statement.named('test.pieces'))).toEqual([
    { a: 'first', n: [1, 5, 4], z: 'last' },
  ]);
});

test('nativeSql numbers the values for pg, and a literal question mark stays one', async () => {
  const statement = sql`select ${'x'}::text as a, '?' as mark, ${[1, 2]}::int[] as list`;
  const native = nativeSql(statement.named('test.native'));
  expect(native.text).toBe(
    `/* test.native */ select $1::text as a, '?' as mark, $2::int[] as list`,
  );
  const client = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
  await client.connect();
  try {
    const { rows } = await client.query(native);
    expect(rows).toEqual([{ a: 'x', mark: '?', list: [1, 2] }]);
  } finally {
    await client.end();
  }
});

test('a row shape names each column after its field and reads timestamps as dates', async () => {
  interface Thing {
    id: number;
    label: string | null;
    at: Date;
    gone: Date | null;
  }
  const THING = new RowShape<Thing>({
    id: 'id',
    label: 'label_text',
    at: { timestamp: 'created_at' },
    gone: { timestamp: 'deleted_at' },
  });
  const rows = await queryAs(
    server.db,
    THING,
    sql.named('test.rowShape')`select ${THING.select('t')}, 'extra' as ignored from (values
          (1, 'one', timestamptz '2026-01-02 03:04:05.678+00', null::timestamptz),
          (2, null, timestamptz '2026-06-30 23:59:59.999+02', timestamptz '2026-07-01 00:00:00+00')
        ) t(id, label_text, created_at, deleted_at) order by t.id`,
  );
  expect(rows).toEqual([
    { id: 1, label: 'one', at: new Date('2026-01-02T03:04:05.678Z'), gone: null },
    {
      id: 2,
      label: null,
      at: new Date('2026-06-30T21:59:59.999Z'),
      gone: new Date('2026-07-01T00:00:00Z'),
    },
  ]);
});

test('a statement runs named after its place in the code, which the statement log shows', async () => {
  const statement = sql.named('test.namedRead')`select ${'x'}::text as value`;
  expect(statement.name).toBe('test.namedRead');
  expect(statement.text).toBe('/* test.namedRead */ select ?::text as value');
  const seen: string[] = [];
  const listener = (query: { sql: string }) => seen.push(query.sql);
  server.db.on('query', listener);
  try {
    expect(await queryRows(server.db, statement)).toEqual([{ value: 'x' }]);
  } finally {
    server.db.removeListener('query', listener);
  }
  expect(seen).toEqual(['/* test.namedRead */ select $1::text as value']);
  // PostgreSQL sees the name with the text: its own view of a running statement says where it is from.
  const [active] = await queryRows<{ query: string }>(
    server.db,
    sql.named('test.ownQuery')`select query from pg_stat_activity where pid = pg_backend_pid()`,
  );
  expect(active!.query).toMatch(/^\/\* test\.ownQuery \*\/ select query/);
  expect(() => sql`select 1`.named('Not a name')).toThrow(/feature\.what/);
});
