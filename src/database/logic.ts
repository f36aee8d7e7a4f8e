import type { Knex } from '@mikro-orm/postgresql';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { queryRows, sql } from './sql';

/**
 * The database's own logic (the functions and triggers that keep counts and copies) has one
 * current definition, in a `.sql` file beside the feature whose data it keeps
 * (`src/membership/membership.sql`, …; each feature's index lists its files). The files are
 * applied after the versioned migrations at every start, within the migration lock, as Flyway's
 * repeatable migrations are: a function is created or replaced, a trigger only when its live
 * definition differs from the file's (replacing a trigger locks its table against writes, which
 * a start must not do to a busy table for nothing). Migrations keep the tables; a migration that
 * needs a function before this runs defines what it needs itself, and the file then has the last
 * word. Removing a function or trigger still takes a migration (`drop …`).
 */

/** One statement of a logic file; a trigger's name and table, to compare it with the live one. */
export interface LogicStatement {
  text: string;
  /** A constraint trigger (deferrable) cannot be replaced: it is dropped and made again. */
  trigger?: { name: string; table: string; constraint: boolean };
  function?: string;
}

/** The statements of a logic file, in order. */
export function readLogicFile(file: string): LogicStatement[] {
  return splitStatements(readFileSync(file, 'utf8')).map((text) => {
    const trigger =
      /^create\s+(?:or\s+replace\s+)?(constraint\s+)?trigger\s+(\w+)\s.*?\son\s+(\w+)\s/is.exec(
        text,
      );
    const fn = /^create\s+or\s+replace\s+function\s+(\w+)\s*\(/is.exec(text);
    return {
      text,
      ...(trigger && {
        trigger: { name: trigger[2]!, table: trigger[3]!, constraint: trigger[1] !== undefined },
      }),
      ...(fn && { function: fn[1]! }),
    };
  });
}

// How long a start waits for a table's lock to replace one of its triggers: a replacement waits
// for the writes in flight on that table and holds up those behind it, so a start on a busy
// database fails with a message rather than stalling every writer of the table.
const LOCK_TIMEOUT = '10s';

/**
 * Applies the files in one transaction, all or nothing; returns what it changed (`function x`,
 * `trigger t.y`). A function is replaced only when its file's text changed since it was last
 * applied (a digest kept as the function's comment), a trigger only when its live definition
 * differs: a start with nothing new writes no DDL, and needs to own nothing.
 */
export async function applyDatabaseLogic(db: Knex, files: readonly string[]): Promise<string[]> {
  const statements = files.flatMap(readLogicFile);
  return db.transaction(async (trx) => {
    await trx.raw(`set local lock_timeout = '${LOCK_TIMEOUT}'`);
    const changed: string[] = [];
    for (const statement of statements) {
      if (statement.trigger) {
        const live = await liveTriggerDefinition(trx, statement.trigger);
        if (live !== undefined && sameTrigger(live, statement.text)) continue;
        if (live !== undefined && statement.trigger.constraint) await dropTrigger(trx, statement);
      } else if (statement.function) {
        if (await appliedAsWritten(trx, statement)) continue;
      }
      changed.push(logicName(statement)!);
      await trx.raw(statement.text).catch((error: { code?: string }) => {
        if (error.code !== '55P03') throw error;
        throw new Error(
          `The database's logic could not be applied: ${logicName(statement)} waited ${LOCK_TIMEOUT} for its table's lock (writes in flight); start again.`,
        );
      });
      if (statement.function) await markApplied(trx, statement);
    }
    return changed;
  });
}

/**
 * Whether a function is as its file last made it: its comment names the digest of the file's
 * text it was made from and of the definition that made (pg_get_functiondef), so that a file
 * changed since, and a function changed by hand since, are both made again.
 */
async function appliedAsWritten(db: Knex, statement: LogicStatement): Promise<boolean> {
  const live = await liveFunction(db, statement.function!);
  return live !== undefined && live.comment === appliedMark(statement, live.definition);
}

async function markApplied(db: Knex, statement: LogicStatement): Promise<void> {
  const live = await liveFunction(db, statement.function!);
  const mark = appliedMark(statement, live!.definition);
  await db.raw(`comment on function ${statement.function} is '${mark}'`);
}

function appliedMark(statement: LogicStatement, definition: string): string {
  const digest = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 16);
  return `audience-gateway logic ${digest(statement.text)} ${digest(definition)}`;
}

async function liveFunction(
  db: Knex,
  name: string,
): Promise<{ definition: string; comment: string | null } | undefined> {
  const [row] = await queryRows<{ definition: string; comment: string | null }>(
    db,
    sql.named('database.liveFunction')`select pg_get_functiondef(p.oid) as definition,
      obj_description(p.oid, 'pg_proc') as comment from pg_proc p
      where p.proname = ${name} and p.pronamespace = current_schema()::regnamespace`,
  );
  return row;
}

/** What PostgreSQL says a trigger is (pg_get_triggerdef); undefined when there is none. */
export async function liveTriggerDefinition(
  db: Knex,
  { name, table }: { name: string; table: string },
): Promise<string | undefined> {
  const [row] = await queryRows<{ definition: string }>(
    db,
    sql.named(
      'database.triggerDefinition',
    )`select pg_get_triggerdef(t.oid) as definition from pg_trigger t
        where t.tgname = ${name} and t.tgrelid = to_regclass(${table}) and not t.tgisinternal`,
  );
  return row?.definition;
}

async function dropTrigger(db: Knex, statement: LogicStatement): Promise<void> {
  const { name, table } = statement.trigger!;
  await db.raw(`drop trigger if exists ${name} on ${table}`);
}

/** Whether a live trigger definition and a file's statement say the same, whatever the case. */
function sameTrigger(live: string, statement: string): boolean {
  const normal = (text: string) =>
    text
      .replace(/^\s*create\s+(or\s+replace\s+)?(constraint\s+)?trigger\s+/i, '')
      .replace(/;\s*$/, '')
      .replace(/"/g, '')
      .replace(/\bpublic\./gi, '')
      .replace(/\s+/g, ' ')
      .trim()
      .toLowerCase();
  return normal(live) === normal(statement);
}

/**
 * A file's statements: split at each `;` outside quotes ('…', "…"), dollar quotes and comments
 * (-- to the end of the line, and slash-star blocks), with the comments left out.
 */
function splitStatements(text: string): string[] {
  const statements: string[] = [];
  let current = '';
  let index = 0;
  const quoted = (pattern: RegExp) => {
    const match = pattern.exec(text.slice(index));
    if (match) index += match[0].length;
    return match?.[0];
  };
  while (index < text.length) {
    const rest = text.slice(index, index + 2);
    const dollar = /^\$([A-Za-z_]\w*)?\$/.exec(text.slice(index));
    if (rest === '--') {
      quoted(/^--[^\n]*/);
    } else if (rest === '/*') {
      if (quoted(/^\/\*[\s\S]*?\*\//) === undefined)
        throw new Error('an unclosed /* in a logic file');
    } else if (dollar) {
      const end = text.indexOf(dollar[0], index + dollar[0].length);
      if (end < 0) throw new Error(`an unterminated ${dollar[0]} quote in a logic file`);
      current += text.slice(index, end + dollar[0].length);
      index = end + dollar[0].length;
    } else if (text[index] === "'" || text[index] === '"') {
      const closing = text[index] === "'" ? /^'(?:[^']|'')*'/ : /^"(?:[^"]|"")*"/;
      const literal = quoted(closing);
      if (literal === undefined) throw new Error('an unterminated quote in a logic file');
      current += literal;
    } else if (text[index] === ';') {
      if (current.trim()) statements.push(`${current.trim()};`);
      current = '';
      index += 1;
    } else {
      current += text[index];
      index += 1;
    }
  }
  if (current.trim()) throw new Error('a logic file ends without a `;`');
  return statements;
}

/**
 * Where the live database differs from the files (`function x`, `trigger y`): each function or
 * trigger whose definition the
 * files would change, that they define and the database lacks, or that the database has and no
 * file defines (functions of extensions and the internal triggers of foreign keys aside). Found by applying the
 * files inside a transaction that is rolled back, so that PostgreSQL's own rendering
 * (pg_get_functiondef, pg_get_triggerdef) is compared with itself. Empty when all is as written.
 */
export async function logicDrift(db: Knex, files: readonly string[]): Promise<string[]> {
  const statements = files.flatMap(readLogicFile);
  const defined = new Set(statements.flatMap((statement) => logicName(statement) ?? []));
  const drift = new Set<string>();
  const trx = await db.transaction();
  try {
    const before = await liveLogic(trx);
    for (const statement of statements) {
      if (statement.trigger?.constraint) await dropTrigger(trx, statement);
      await trx.raw(statement.text);
    }
    const after = await liveLogic(trx);
    for (const [name, definition] of after) {
      if (before.get(name) !== definition) drift.add(name);
    }
    for (const name of before.keys()) if (!defined.has(name)) drift.add(name);
  } finally {
    await trx.rollback();
  }
  return [...drift].sort();
}

/** How drift names a statement's function or trigger: `function x`, `trigger y`. */
export function logicName(statement: LogicStatement): string | undefined {
  if (statement.trigger) return `trigger ${statement.trigger.table}.${statement.trigger.name}`;
  return statement.function && `function ${statement.function}`;
}

/** Every function of the schema (not an extension's) and every trigger, as rendered. */
async function liveLogic(db: Knex): Promise<Map<string, string>> {
  const rows = await queryRows<{ name: string; definition: string }>(
    db,
    sql.named(
      'database.liveLogic',
    )`select 'function ' || p.proname as name, pg_get_functiondef(p.oid) as definition
        from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname = current_schema() and p.prokind = 'f'
          and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
        union all
        select 'trigger ' || c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) from pg_trigger t
        join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = current_schema() and not t.tgisinternal`,
  );
  return new Map(rows.map((row) => [row.name, row.definition]));
}
