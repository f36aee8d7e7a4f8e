/**
 * A timestamptz as MikroORM's connection returns it: text such as `2025-01-15 10:30:00.123+00`
 * (its driver leaves dates for the ORM to hydrate), or a Date where a plain driver made one.
 */
export function toDate(value: Date | string): Date {
  if (value instanceof Date) return value;
  const iso = value.replace(' ', 'T').replace(/([+-]\d\d)$/, '$1:00');
  const date = new Date(iso);
  if (Number.isNaN(date.getTime()))
    throw new Error(`unreadable timestamp from the database: ${value}`);
  return date;
}

export function toDateOrNull(value: Date | string | null): Date | null {
  return value === null ? null : toDate(value);
}
