import type { Knex } from '@mikro-orm/postgresql';
import { queryAs, queryRows, RowShape, sql } from '../database/sql';
import type { Event } from './event.type';

/** The event feed's statements: reads only (the database writes events, event.sql). */

// A row of events (event.sql): a statement's events of one type, numbered from `sequence`.
const EVENTS_ROW = new RowShape<{
  sequence: string;
  size: number;
  ids: string[];
  type: string;
  occurredAt: Date;
  userId: string | null;
  apiKeyId: string | null;
  data: Record<string, unknown>[];
}>({
  sequence: 'sequence',
  size: 'size',
  ids: 'ids',
  type: 'type',
  occurredAt: { timestamp: 'occurred_at' },
  userId: 'actor_user_id',
  apiKeyId: 'actor_api_key_id',
  data: 'data',
});

// The most events a row holds (record_events in event.sql): a row holding events after a
// position starts at most this far before it.
const MOST_PER_ROW = 1000;

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
 * when given; up to `through` only, when given). Only committed events have a sequence, and they
 * commit in its order (event.sql): what this reads has no holes that fill later. Each event is
 * read out of its row, with its own id, sequence and data.
 */
export async function findEvents(
  db: Knex,
  organizationId: string,
  query: { after: number; limit: number; types: readonly string[] | null; through?: number },
): Promise<Event[]> {
  const { after, limit, types, through } = query;
  const typeFilter = types ? sql`and e.type = any(${types})` : sql``;
  const upTo = through === undefined ? sql`` : sql`and e.sequence <= ${through}`;
  const rows = await queryAs(
    db,
    EVENTS_ROW,
    sql.named('event.page')`select ${EVENTS_ROW.select('e')} from event e
      where e.organization_id = ${organizationId} and e.sequence > ${after - MOST_PER_ROW}
        and e.sequence + e.size - 1 > ${after} ${typeFilter} ${upTo}
      order by e.sequence limit ${limit}`,
  );
  const events: Event[] = [];
  for (const row of rows) {
    const first = Number(row.sequence);
    const actor =
      row.userId || row.apiKeyId ? { userId: row.userId, apiKeyId: row.apiKeyId } : null;
    for (let index = 0; index < row.size && events.length < limit; index += 1) {
      const sequence = first + index;
      if (sequence <= after || (through !== undefined && sequence > through)) continue;
      events.push({
        id: row.ids[index]!,
        sequence,
        type: row.type,
        occurredAt: row.occurredAt,
        actor,
        data: row.data[index]!,
      });
    }
  }
  return events;
}
