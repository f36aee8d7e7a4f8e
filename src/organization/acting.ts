import type { Knex } from '@mikro-orm/postgresql';
import { type NamedSql, queryRows, sql } from '../database/sql';
import type { Actor } from './actor';

/**
 * Names the transaction's actor for what the database records of its writes: the consent record
 * (consent/consent.sql) and the events (event/event.sql) read it. Every write of the service runs
 * in a transaction that called this first; a write that did not (plain SQL behind the service's
 * back) is recorded as the database's own. Local to the transaction, so that a pooled connection
 * carries nothing to the next.
 */
export async function actAs(trx: Knex.Transaction, actor: Actor): Promise<void> {
  await queryRows(trx, actorSql(actor));
}

/**
 * Runs `write` in a transaction (a savepoint inside the caller's) that names its actor first:
 * how a write of one statement gets its actor recorded.
 */
export function writeAs<T>(db: Knex, actor: Actor, write: (trx: Knex.Transaction) => Promise<T>) {
  return db.transaction(async (trx) => {
    await actAs(trx, actor);
    return write(trx);
  });
}

/** The statement of actAs, for a connection of its own (the CSV import's). */
export function actorSql(actor: Actor): NamedSql {
  return sql.named(
    'organization.actor',
  )`select set_config('audience_gateway.actor_user_id', ${actor.userId}, true),
      set_config('audience_gateway.actor_api_key_id', ${actor.apiKeyId ?? ''}, true)`;
}
