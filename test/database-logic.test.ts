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
