import type { Knex } from '@mikro-orm/postgresql';
import { queryRows, sql } from './sql';

/**
 * Through a transaction pooler the service sets no session state, so the statement timeout is
 * the database role's (ALTER ROLE … SET statement_timeout). The sentence to print when that is
 * not the one configured; undefined when it is.
 */
export async function pooledTimeoutMismatch(
  db: Knex,
  statementTimeoutMs: number,
): Promise<string | undefined> {
  const [row] = await queryRows<{ ms: number; role: string }>(
    db,
    sql.named(
      'database.roleTimeout',
    )`select setting::int as ms, current_user as role from pg_settings
        where name = 'statement_timeout'`,
  );
  if (!row || row.ms === statementTimeoutMs) return undefined;
  return (
    `STATEMENT_TIMEOUT_MS is ${statementTimeoutMs}, but through the pooler PostgreSQL's ` +
    `statement_timeout is ${row.ms} ms for role ${row.role}: run ` +
    `ALTER ROLE "${row.role}" SET statement_timeout = ${statementTimeoutMs} on the database ` +
    '(with DATABASE_TRANSACTION_POOLING the service cannot set it per connection)'
  );
}
