import { readdirSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  applyDatabaseLogic,
  liveTriggerDefinition,
  logicDrift,
  logicName,
  readLogicFile,
} from '../src/database/logic';
import { DATABASE_LOGIC } from '../src/features';
import { TestServer } from './support/test-server';

// The database's functions and triggers have one current definition, in the features' .sql files,
// and the live database is what they say.
let server: TestServer;
beforeAll(async () => {
  server = await TestServer.start();
});
afterAll(() => server.close());

test('every .sql file under src/ is a feature’s, and each defines functions and triggers only', () => {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else if (entry.name.endsWith('.sql')) found.push(file);
    }
  };
  walk(path.join(__dirname, '..', 'src'));
  expect([...DATABASE_LOGIC].sort()).toEqual(found.sort());
  for (const file of DATABASE_LOGIC) {
    for (const statement of readLogicFile(file)) {
      expect([file, Boolean(statement.trigger ?? statement.function)]).toEqual([file, true]);
    }
  }
});

test('the live database has exactly the functions and triggers the files define, as they define them (what a start applied)', async () => {
  expect(await logicDrift(server.db, DATABASE_LOGIC)).toEqual([]);
  // 13 functions and 12 triggers when this was written.
  const names = new Set(DATABASE_LOGIC.flatMap(readLogicFile).map(logicName));
  expect(names.size).toBeGreaterThanOrEqual(25);
});

test('drift is found: a function changed by hand, a trigger missing, one no file defines', async () => {
  const trx = await server.db.transaction();
  try {
    await trx.raw(`create or replace function membership_removed() returns trigger
      language plpgsql as $$ begin return null; end $$`);
    await trx.raw('drop trigger audience_added on audience');
    await trx.raw(`create function stray() returns int language sql as $$ select 1 $$`);
    expect(await logicDrift(trx, DATABASE_LOGIC)).toEqual([
      'function membership_removed',
      'function stray',
      'trigger audience.audience_added',
    ]);
  } finally {
    await trx.rollback();
  }
});

test('applying the files replaces only what differs (a trigger, a function changed by hand), and a second time nothing', async () => {
  const trx = await server.db.transaction();
  try {
    expect(await applyDatabaseLogic(trx, DATABASE_LOGIC)).toEqual([]);
    await trx.raw('drop trigger contact_added on contact');
    // A function changed by hand is made again too, though its file did not change.
    await trx.raw(`create or replace function audience_added() returns trigger
      language plpgsql as $$ begin return null; end $$`);
    await trx.raw(
      'create or replace trigger membership_added after insert on audience_contact for each statement execute function contact_added()',
    );
    expect((await applyDatabaseLogic(trx, DATABASE_LOGIC)).sort()).toEqual([
      'function audience_added',
      'trigger audience_contact.membership_added',
      'trigger contact.contact_added',
    ]);
    expect(
      await liveTriggerDefinition(trx, { name: 'membership_added', table: 'audience_contact' }),
    ).toMatch(
      /REFERENCING NEW TABLE AS added_memberships .* EXECUTE FUNCTION membership_added\(\)/,
    );
    expect(await applyDatabaseLogic(trx, DATABASE_LOGIC)).toEqual([]);
    expect(await logicDrift(trx, DATABASE_LOGIC)).toEqual([]);
  } finally {
    await trx.rollback();
  }
});

test('a statement is split where SQL splits it: not inside quotes, dollar quotes or comments', async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'logic-file-'));
  try {
    const file = path.join(dir, 'sample.sql');
    await writeFile(
      file,
      [
        '-- a comment; with a semicolon',
        "create or replace function one() returns text language sql as $$ select 'a;b' $$;",
        '/* a block; comment */',
        'create or replace function two() returns text language plpgsql as $body$',
        "begin return $$x;y$$ || 'it''s;' || \"q;\"(); end $body$;",
      ].join('\n'),
    );
    expect(readLogicFile(file).map((statement) => statement.function)).toEqual(['one', 'two']);
    await writeFile(
      file,
      'create or replace function three() returns int language sql as $$ select 1',
    );
    expect(() => readLogicFile(file)).toThrow(/unterminated \$\$ quote/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

test("a question mark in a file (jsonb's operator) reaches PostgreSQL as it is written, not as a binding", async () => {
  const trx = await server.db.transaction();
  try {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'logic-file-'));
    const file = path.join(dir, 'question.sql');
    await writeFile(
      file,
      `create or replace function has_key(j jsonb) returns boolean language sql as $$ select j ? 'k' $$;`,
    );
    await applyDatabaseLogic(trx, [file]);
    await rm(dir, { recursive: true, force: true });
    const { rows } = await trx.raw<{ rows: { yes: boolean }[] }>(
      `select has_key('{"k": 1}'::jsonb) as yes`,
    );
    expect(rows).toEqual([{ yes: true }]);
  } finally {
    await trx.rollback();
  }
});

test('search_grams gives every one- and two-character piece of a text, as a piece per substr would', async () => {
  // The plain definition the function stands for: every substr of one and two characters that
  // holds no line break, once each, in order. Texts with line breaks, wide characters (outside
  // the BMP too), wildcards and backslashes, of every length up to 60.
  const { rows } = await server.db.raw<{
    rows: { texts: number; differ: number; example: string | null }[];
  }>(
    `with texts as (
       select string_agg(substr(E'ab\\ncdé+1ß😀 _%\\\\Zz9', 1 + ((r * 31 + k * 17 + (r * k) % 7) % 16), 1), '' order by k) t
       from generate_series(1, 20000) r, lateral generate_series(1, 1 + r % 60) k group by r
       union all select '' union all select E'\\n' union all select E'a\\n\\nb'
     ), plain as (
       select t, coalesce((select array_agg(distinct gram order by gram) from (
         select substr(t, i, 1) gram from generate_series(1, length(t)) i
         union all select substr(t, i, 2) from generate_series(1, length(t) - 1) i
       ) pieces where strpos(gram, chr(10)) = 0), '{}') as grams from texts
     )
     select count(*)::int texts, count(*) filter (where search_grams(t) is distinct from grams)::int differ,
       min(t) filter (where search_grams(t) is distinct from grams) example
     from plain`,
  );
  expect(rows[0]).toEqual({ texts: 20003, differ: 0, example: null });
});
