import type { Knex } from '@mikro-orm/postgresql';
import { escapeLiteral } from 'pg';
import { toDate } from './timestamps';

/**
 * A statement, or a piece of one: SQL text with its values kept apart. The one way this service
 * writes SQL is the `sql` tag: a value put in with `${…}` travels as a binding, never inside the
 * text, and a piece (another `sql`) is spliced in with its own values in their places, so that
 * text and bindings cannot fall out of step. Text that is not a value (a sort column, a
 * direction) comes from a fixed list and goes in with `sqlText`.
 */
export class Sql {
  constructor(
    /** The text with a `?` where each value goes (knex's placeholder). */
    readonly text: string,
    readonly values: readonly unknown[],
  ) {}

  /**
   * The statement, named after its place in the code (`membership.page`): the name leads its
   * text as a comment, so that the statement log, `pg_stat_activity` and `pg_stat_statements`
   * say where each statement comes from. Only a named statement runs (queryRows, queryAs).
   */
  named(name: string): NamedSql {
    if (!/^[a-z][a-zA-Z]*(\.[a-z][a-zA-Z]*)+$/.test(name)) {
      throw new Error(`a statement's name is feature.what, in camelCase: ${name}`);
    }
    return new NamedSql(`/* ${name} */ ${this.text}`, this.values, name);
  }
}

/** A whole statement, named (see Sql.named). */
export class NamedSql extends Sql {
  constructor(
    text: string,
    values: readonly unknown[],
    readonly name: string,
  ) {
    super(text, values);
  }
}

/** sql.named('audience.byId')`select …`: a statement written and named at once. */
sql.named =
  (name: string) =>
  (strings: TemplateStringsArray, ...values: unknown[]): NamedSql =>
    sql(strings, ...values).named(name);

export function sql(strings: TemplateStringsArray, ...values: unknown[]): Sql {
  // A literal question mark (none today) must not read as a placeholder.
  let text = escape(strings[0]!);
  const bindings: unknown[] = [];
  values.forEach((value, index) => {
    if (value instanceof Sql) {
      text += value.text;
      bindings.push(...value.values);
    } else {
      text += '?';
      bindings.push(value);
    }
    text += escape(strings[index + 1]!);
  });
  return new Sql(text, bindings);
}

/**
 * The time a write stamps on a row (`updated_at`, `deleted_at`): clock_timestamp(), the moment
 * the row is written, once its lock is held, not (as now() would be) when the transaction began.
 * Of two writers that wait on each other, the one that writes last carries the later time.
 */
export const WRITE_TIME = new Sql('clock_timestamp()', []);

/** SQL text that holds no value: an identifier or keyword picked from a fixed list. */
export function sqlText(text: string): Sql {
  return new Sql(escape(text), []);
}

/** The pieces one after the other, `separator` (SQL text) between them. */
export function joinSql(pieces: readonly Sql[], separator: string): Sql {
  return new Sql(
    pieces.map((piece) => piece.text).join(escape(separator)),
    pieces.flatMap((piece) => piece.values),
  );
}

function escape(text: string): string {
  return text.includes('?') ? text.replaceAll('?', '\\?') : text;
}

/** Runs a statement and returns its rows, named by the statement's column aliases. */
export async function queryRows<Row>(db: Knex, statement: NamedSql): Promise<Row[]> {
  const result = await db.raw<{ rows: Row[] }>(
    statement.text,
    statement.values as Knex.RawBinding[],
  );
  return result.rows;
}

/** A column of a row shape: its name, and whether it is a timestamp to read as a Date. */
type Leaf = string | { timestamp: string };
/** A field of a row shape: one column, or an object made of several (a contact's `smsConsent`). */
type Column = Leaf | { object: Readonly<Record<string, Leaf>> };

function leafName(column: Leaf): string {
  return typeof column === 'string' ? column : column.timestamp;
}

function readLeaf(column: Leaf, value: unknown): unknown {
  if (typeof column === 'string' || value === null || value === undefined) return value ?? null;
  return toDate(value as Date | string);
}

/**
 * How the columns of a table make a value of type T: declared once per type, keyed by T's own
 * fields (the compiler checks that every field has its column), it writes the select list that
 * names each column after its field and reads the rows back. Timestamps arrive as text from
 * MikroORM's connection and become Dates here.
 */
export class RowShape<T> {
  constructor(private readonly columns: { readonly [K in keyof T]-?: Column }) {}

  /** `a.organization_id as "organizationId", …`: every field, from the table aliased `alias`. */
  select(alias: string): Sql {
    return sqlText(
      Object.entries<Column>(this.columns)
        .flatMap(([field, column]) =>
          typeof column === 'object' && 'object' in column
            ? Object.entries(column.object).map(
                ([part, leaf]) => `${alias}.${leafName(leaf)} as "${field}.${part}"`,
              )
            : [`${alias}.${leafName(column)} as "${field}"`],
        )
        .join(', '),
    );
  }

  /** The fields of a row selected with `select` (other columns it has are left out). */
  read(row: Record<string, unknown>): T {
    const value: Record<string, unknown> = {};
    for (const [field, column] of Object.entries<Column>(this.columns)) {
      if (typeof column === 'object' && 'object' in column) {
        value[field] = Object.fromEntries(
          Object.entries(column.object).map(([part, leaf]) => [
            part,
            readLeaf(leaf, row[`${field}.${part}`]),
          ]),
        );
      } else {
        value[field] = readLeaf(column, row[field]);
      }
    }
    return value as T;
  }
}

/** Runs a statement that selects `shape`'s columns (RowShape.select) and reads its rows. */
export async function queryAs<T>(db: Knex, shape: RowShape<T>, statement: NamedSql): Promise<T[]> {
  const rows = await queryRows<Record<string, unknown>>(db, statement);
  return rows.map((row) => shape.read(row));
}

/**
 * The statement as PostgreSQL takes it, with `$1`, `$2`, … for its values: for a `pg` connection
 * used directly (the CSV import's, which COPY needs), and the benchmark's raw-SQL scenario.
 */
export function nativeSql(statement: NamedSql): { text: string; values: unknown[] } {
  let index = 0;
  const text = statement.text.replace(/\\\?|\?/g, (mark) => (mark === '?' ? `$${++index}` : '?'));
  return { text, values: [...statement.values] };
}

/**
 * The statement with its values written into the text as literals, for the one statement that
 * takes no bindings: COPY (an export's `copy (select …) to stdout`). Strings go through pg's own
 * escapeLiteral; only the value types a statement of this service binds are taken.
 */
export function inlinedSql(statement: NamedSql): string {
  const values = [...statement.values];
  return statement.text.replace(/\\\?|\?/g, (mark) => {
    if (mark !== '?') return '?';
    return literal(values.shift());
  });
}

function literal(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return escapeLiteral(value);
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  if (value instanceof Date) return escapeLiteral(value.toISOString());
  if (Array.isArray(value) && value.every((item) => typeof item === 'string')) {
    const items = value.map((item: string) => `"${item.replace(/[\\"]/g, (c) => `\\${c}`)}"`);
    return escapeLiteral(`{${items.join(',')}}`);
  }
  throw new Error(`a value of this kind cannot be written into SQL text: ${typeof value}`);
}
