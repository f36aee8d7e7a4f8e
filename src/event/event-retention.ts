import type { Knex } from '@mikro-orm/postgresql';
import { queryRows, sql } from '../database/sql';

// Rows of events looked at a step: short statements, whatever the backlog.
const BATCH = 5000;

/**
 * Prunes events older than `retentionDays`, organization by organization, and only from the
 * start of each feed: the rows up to the first one still kept go, so that `pruned_through` says
 * exactly which cursors are GONE (a feed never has a hole in its middle). Each step first moves
 * `pruned_through` (a short statement: the row it updates is the one every commit of the
 * organization numbers its events under) and only then deletes, so that a reader that no longer
 * finds an event also finds it pruned (event.repository.ts reads both in one snapshot). Safe to
 * run on several instances at once: `pruned_through` only moves forward. Returns how many events
 * went.
 */
export async function pruneEvents(db: Knex, retentionDays: number): Promise<number> {
  const feeds = await queryRows<{ organizationId: string; prunedThrough: string }>(
    db,
    sql.named('event.prunable')`select organization_id as "organizationId",
        pruned_through as "prunedThrough" from event_sequence
      where pruned_through < last_sequence`,
  );
  let pruned = 0;
  for (const feed of feeds) {
    let through = Number(feed.prunedThrough);
    for (;;) {
      const [edge] = await queryRows<{ rows: number; through: string }>(
        db,
        sql.named('event.pruneEdge')`with batch as (
            select sequence, sequence + size - 1 as last, occurred_at from event
            where organization_id = ${feed.organizationId} and sequence > ${through}
            order by sequence limit ${BATCH}
          ), edge as (
            select coalesce(
              (select min(sequence) from batch
               where occurred_at >= now() - make_interval(days => ${retentionDays})) - 1,
              (select max(last) from batch), ${through}) as through
          ), moved as (
            update event_sequence s set pruned_through = edge.through from edge
            where s.organization_id = ${feed.organizationId} and edge.through > s.pruned_through
            returning 1
          )
          select (select count(*)::int from batch) as rows, (select through from edge) as through`,
      );
      const next = Number(edge!.through);
      if (next > through) {
        const [gone] = await queryRows<{ events: number }>(
          db,
          sql.named('event.prune')`with gone as (
              delete from event e
              where e.organization_id = ${feed.organizationId} and e.sequence > ${through}
                and e.sequence + e.size - 1 <= ${next}
              returning e.size
            ) select coalesce(sum(size), 0)::int as events from gone`,
        );
        pruned += gone!.events;
      }
      const full = edge!.rows === BATCH && next > through;
      through = next;
      if (!full) break;
    }
  }
  return pruned;
}
