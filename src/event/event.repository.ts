import type { Knex } from '@mikro-orm/postgresql';
import { queryRows, RowShape, sql } from '../database/sql';
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

/** A page of events, and where the feed stood in the snapshot that read them. */
export interface EventsRead {
  events: Event[];
  /** Every event up to this is pruned: a position before it is GONE. */
  prunedThrough: number;
  /** The organization's last event: every event up to it is committed, and was read. */
  last: number;
}

/**
 * The organization's events after `after` (after the oldest kept when null), in sequence order,
 * at most `limit` (of `types` only, when given; up to `through` only, when given), with where
 * the feed stood, all in one statement, so in one snapshot: retention moves `pruned_through`
 * before it deletes (event-retention.ts), so a read that misses pruned events also sees that they
 * are. Only committed events have a sequence, and they commit in its order (event.sql): what
 * this reads has no holes that fill later. Each event is read out of its row with its own id and
 * data, and only the events wanted leave the database (a row holds up to MOST_PER_ROW).
 */
export async function findEvents(
  db: Knex,
  organizationId: string,
  query: { after: number | null; limit: number; types: readonly string[] | null; through?: number },
): Promise<EventsRead> {
  const { limit, types, through } = query;
  const typeFilter = types ? sql`and ev.type = any(${types})` : sql``;
  const upTo = through === undefined ? sql`` : sql`and ev.sequence <= ${through}`;
  const rows = await queryRows<
    { pruned: string; last: string } & Partial<Record<string, unknown>> & {
        sequence: string | null;
      }
  >(
    db,
    sql.named('event.page')`with bounds as (
        select coalesce((select pruned_through from event_sequence where organization_id = ${organizationId}), 0) as pruned,
               coalesce((select last_sequence from event_sequence where organization_id = ${organizationId}), 0) as last
      ), start as (
        select coalesce(cast(${query.after} as bigint), bounds.pruned) as after from bounds
      )
      select b.pruned, b.last, r.* from bounds b left join lateral (
        select x.sequence + x.skip as sequence, x.take as size, x.ids[x.skip + 1 : x.skip + x.take] as ids,
          x.type, x.occurred_at as "occurredAt", x.actor_user_id as "userId",
          x.actor_api_key_id as "apiKeyId",
          case when x.skip = 0 and x.take = x.size then x.data
               else jsonb_path_query_array(x.data, cast('$[' || x.skip || ' to ' || (x.skip + x.take - 1) || ']' as jsonpath))
          end as data
        from (
          select e.*, least(e.size - e.skip, ${limit} - coalesce(sum(e.size - e.skip) over (
              order by e.sequence rows between unbounded preceding and 1 preceding), 0)) as take
          from (
            select ev.*, greatest((select after from start) - ev.sequence + 1, 0)::int as skip
            from event ev
            where ev.organization_id = ${organizationId}
              and ev.sequence > (select after from start) - ${MOST_PER_ROW}
              and ev.sequence + ev.size - 1 > (select after from start) ${typeFilter} ${upTo}
            order by ev.sequence limit ${limit}
          ) e
        ) x where x.take > 0
      ) r on true
      order by r.sequence`,
  );
  const events: Event[] = [];
  for (const raw of rows) {
    if (raw.sequence === null || raw.sequence === undefined) continue;
    const row = EVENTS_ROW.read(raw as Record<string, unknown>);
    const first = Number(row.sequence);
    const actor =
      row.userId || row.apiKeyId ? { userId: row.userId, apiKeyId: row.apiKeyId } : null;
    for (let index = 0; index < row.size; index += 1) {
      events.push({
        id: row.ids[index]!,
        sequence: first + index,
        type: row.type,
        occurredAt: row.occurredAt,
        actor,
        data: row.data[index]!,
      });
    }
  }
  return { events, prunedThrough: Number(rows[0]!.pruned), last: Number(rows[0]!.last) };
}
