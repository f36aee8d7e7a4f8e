import { CompiledStatements } from '../src/database/compiled-statements';
import { TestServer } from './support/test-server';

// A statement compiled once per shape answers exactly as the builder it was learnt from.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

test('values change only the bindings: every call answers as its own built statement would', async () => {
  const statements = new CompiledStatements<{ n: number; label: string }>();
  const build = (values: readonly (string | number)[]) =>
    server.db
      .select(server.db.raw('n::int as n'), server.db.raw('? || n::text as label', [values[0]!]))
      .from(server.db.raw('generate_series(1, 50) n'))
      .where('n', '>', values[1]!)
      .orderBy('n')
      .limit(values[2] as number)
      .offset(values[3] as number);
  for (const values of [
    ['a', 0, 5, 0],
    ['b', 10, 3, 2],
    ["it's; drop table x", 3, 20, 20],
    ['value 0', 7, 7, 7],
  ] as const) {
    const { sql } = await server.countStatements(async () => {
      expect(await statements.run(server.db, 'series', values, build)).toEqual(await build(values));
    });
    expect(sql).toHaveLength(2);
  }
});

test('a shape is built only to learn it, zeros included (knex leaves `offset 0` out)', async () => {
  const statements = new CompiledStatements<{ n: number }>();
  let builds = 0;
  const build = (values: readonly (string | number)[]) => {
    builds += 1;
    return server.db
      .select(server.db.raw('n::int as n'))
      .from(server.db.raw('generate_series(1, 30) n'))
      .orderBy('n')
      .limit(values[0] as number)
      .offset(values[1] as number);
  };
  const numbers = (from: number, to: number) =>
    Array.from({ length: to - from }, (_, index) => ({ n: from + index + 1 }));
  expect(await statements.run(server.db, 'page', [5, 0], build)).toEqual(numbers(0, 5));
  expect(await statements.run(server.db, 'page', [5, 10], build)).toEqual(numbers(10, 15));
  const learnt = builds;
  expect(await statements.run(server.db, 'page', [3, 0], build)).toEqual(numbers(0, 3));
  expect(await statements.run(server.db, 'page', [4, 20], build)).toEqual(numbers(20, 24));
  expect(await statements.run(server.db, 'page', [7, 27], build)).toEqual(numbers(27, 30));
  expect(builds).toBe(learnt);
});

test('a shape whose SQL changes with a value is built every time, and stays right', async () => {
  const statements = new CompiledStatements<{ v: string }>();
  // Wrongly declared as one shape: the value is written into the SQL itself.
  const build = (values: readonly (string | number)[]) =>
    server.db.select(server.db.raw(`'${String(values[0]).replace(/'/g, "''")}'::text as v`));
  for (const value of ['one', 'two', 'three'])
    expect(await statements.run(server.db, 'literal', [value], build)).toEqual([{ v: value }]);
});
