import type { Knex } from '@mikro-orm/postgresql';
import { queryAs, queryRows, RowShape, sql } from '../database/sql';
import type { Event } from './event.type';

/** The event feed's statements: reads only (the database writes events, event.sql). */

const EVENT_ROW = new RowShape<
  Omit<Event, 'actor' | 'sequence'> & {
    sequence: string;
    userId: string | null;
    apiKeyId: string | null;
  }
>({
  id: 'id',
  sequence: 'sequence',
  type: 'type',
  occurredAt: { timestamp: 'occurred_at' },
  userId: 'actor_user_id',
  apiKeyId: 'actor_api_key_id',
  data: 'data',
});

/** An event as the API answers it, from its row. */
function eventOf(row: ReturnType<typeof EVENT_ROW.read>): Event {
  const { userId, apiKeyId, sequence, ...event } = row;
  return {
    ...event,
    sequence: Number(sequence),
    actor: userId || apiKeyId ? { userId, apiKeyId } : null,
  };
}

/** Where an organization's feed stands: its last event, and how far retention pruned it. */
export async function findFeedBounds(
  db: Knex,
  organizationId: string,
): Promise<{ last: number; prunedThrough: number }> {
  const [row] = await queryRows<{ last: string; pruned: string }>(
    db,
    sql.named('event.bounds')`select last_sequence as last, pruned_through as pruned
      from event_sequence where organization_id = ${organizationId}`,
  );
  return { last: Number(row?.last ?? 0), prunedThrough: Number(row?.pruned ?? 0) };
}

/**
 * The organization's events after `after`, in sequence order, at most `limit` (of `types` only,
 * when given). Only committed events have a sequence, and they commit in its order (event.sql):
 * what this reads has no holes that fill later.
 */
export async function findEvents(
  db: Knex,
  organizationId: string,
  { after, limit, types }: { after: number; limit: number; types: readonly string[] | null },
): Promise<Event[]> {
  const typeFilter = types ? sql`and e.type = any(${types})` : sql``;
  const rows = await queryAs(
    db,
    EVENT_ROW,
    sql.named('event.page')`select ${EVENT_ROW.select('e')} from event e
      where e.organization_id = ${organizationId} and e.sequence > ${after} ${typeFilter}
      order by e.sequence limit ${limit}`,
  );
  return rows.map(eventOf);
}
