import { joinSql, nativeSql, RowShape, sql, sqlText, WRITE_TIME } from '../../src/database/sql';

// The sql tag on its own, without a database (test/sql.test.ts runs statements on one).
test('a value is a binding; a piece brings its values along, in their places', () => {
  const piece = sql`b = ${2} and c = ${3}`;
  const statement = sql`select * from t where a = ${1} and ${piece} and d = ${'x'}`;
  expect(statement.text).toBe('select * from t where a = ? and b = ? and c = ? and d = ?');
  expect(statement.values).toEqual([1, 2, 3, 'x']);
});

test('text that holds a question mark keeps it literal, in the tag, sqlText and joins', () => {
  expect(sql`select '?' as mark, ${1}`.text).toBe("select '\\?' as mark, ?");
  expect(sqlText("'?'").text).toBe("'\\?'");
  const joined = joinSql([sql`${1}`, sql`${2}`], ' ? ');
  expect(joined).toMatchObject({ text: '? \\? ?', values: [1, 2] });
  expect(nativeSql(sql.named('test.native')`select ${'a'}, '?', ${'b'}`).text).toBe(
    "/* test.native */ select $1, '?', $2",
  );
});

test('a named statement leads with its name; a name is feature.what', () => {
  const named = sql.named('audience.byId')`select ${1}`;
  expect(named).toMatchObject({ name: 'audience.byId', text: '/* audience.byId */ select ?' });
  expect(sql`select 1`.named('contact.page').text).toBe('/* contact.page */ select 1');
  for (const bad of ['page', 'Audience.page', 'audience.', 'a b.c', 'x.y */ drop']) {
    expect(() => sql`select 1`.named(bad)).toThrow(/feature\.what/);
  }
});

test('WRITE_TIME is the statement clock, as text with no value', () => {
  expect(sql`set updated_at = ${WRITE_TIME}`).toMatchObject({
    text: 'set updated_at = clock_timestamp()',
    values: [],
  });
});

test('a row shape selects each column as its field, and reads timestamps as dates', () => {
  const SHAPE = new RowShape<{ id: string; at: Date | null }>({
    id: 'id',
    at: { timestamp: 'created_at' },
  });
  expect(SHAPE.select('t').text).toBe('t.id as "id", t.created_at as "at"');
  expect(SHAPE.read({ id: 'x', at: '2026-01-02T03:04:05.678Z', other: 1 })).toEqual({
    id: 'x',
    at: new Date('2026-01-02T03:04:05.678Z'),
  });
  expect(SHAPE.read({ id: 'y', at: null })).toEqual({ id: 'y', at: null });
});
