import type { Knex } from '@mikro-orm/postgresql';

/** A value a statement is run with: it travels as a binding, never inside the SQL. */
export type StatementValue = string | number;

interface Compiled {
  sql: string;
  /** Per binding: the index of the value it takes, or the constant it always is. */
  slots: ({ value: number } | { constant: unknown })[];
}

// Stand-ins for the values while learning a shape: no real value looks like them (PostgreSQL
// refuses NUL in text, so no string sent to it can be one). A zero stays zero: knex leaves
// `offset 0` out of the SQL, so whether a number is zero is part of the shape (see run()).
const marker = (value: StatementValue, index: number): StatementValue =>
  typeof value === 'number'
    ? value === 0
      ? 0
      : 1_999_000_000 + index
    : `\u0000value ${index}\u0000`;

/**
 * Statements built with the query builder, compiled to SQL once per shape instead of on every
 * call: building and compiling a page's statement cost more of a small read than the database's
 * answer did. The builder stays the one definition of the statement; what is cached is its
 * output. A shape (the sort, say) names everything that changes the SQL, and `values` everything
 * that only changes the bindings.
 *
 * A shape is learnt by building the statement twice, with the values and with stand-ins, which
 * shows which binding takes which value. A shape for which that does not hold (a value that
 * changes the SQL, or reaches a binding altered) is never cached: it is built on every call,
 * as before, and stays right.
 */
export class CompiledStatements<Row> {
  private readonly shapes = new Map<string, Compiled | null>();

  /**
   * Runs the statement `build` makes with `values`. `build` must make the same SQL for every
   * call with the same `shape`, whatever the values; it is called only to learn a shape.
   */
  async run(
    db: Knex,
    shape: string,
    values: readonly StatementValue[],
    build: (values: readonly StatementValue[]) => Knex.QueryBuilder,
  ): Promise<Row[]> {
    // Which numbers are zero is part of the shape: a zero may leave its clause out of the SQL.
    const key = `${shape}|${values.map((value) => (value === 0 ? '0' : '-')).join('')}`;
    let compiled = this.shapes.get(key);
    if (compiled === undefined) {
      compiled = learn(build, values);
      this.shapes.set(key, compiled);
    }
    if (compiled === null) return (await build(values)) as Row[];
    const bindings = compiled.slots.map((slot) =>
      'value' in slot ? values[slot.value]! : slot.constant,
    );
    const result = await db.raw<{ rows: Row[] }>(compiled.sql, bindings as Knex.RawBinding[]);
    return result.rows;
  }
}

function learn(
  build: (values: readonly StatementValue[]) => Knex.QueryBuilder,
  values: readonly StatementValue[],
): Compiled | null {
  const real = build(values).toSQL();
  const markers = values.map(marker);
  const marked = build(markers).toSQL();
  if (marked.sql !== real.sql || marked.bindings.length !== real.bindings.length) return null;
  const slots: Compiled['slots'] = marked.bindings.map((binding) => {
    const index = markers.indexOf(binding as StatementValue);
    return index >= 0 ? { value: index } : { constant: binding };
  });
  const rebuilt = slots.map((slot) => ('value' in slot ? values[slot.value] : slot.constant));
  const same = rebuilt.every((binding, index) => binding === real.bindings[index]);
  return same ? { sql: real.sql, slots } : null;
}
