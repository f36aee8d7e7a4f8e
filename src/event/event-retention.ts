import type { Knex } from '@mikro-orm/postgresql';
import { queryRows, sql } from '../database/sql';

// Rows of events pruned a statement: short transactions, whatever the backlog.
const BATCH = 5000;

/**
 * Prunes events older than `retentionDays`, organization by organization, and only from the
 * start of each feed: the events up to the first one still kept go, so that `pruned_through`
 * says exactly which cursors are GONE (a feed never has a hole in its middle). Safe to run on
 * several instances at once: each statement moves `pruned_through` only forward. Returns how
 * many events went.
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
      const [step] = await queryRows<{ rows: number; pruned: number; through: string }>(
        db,
        sql.named('event.prune')`with batch as (
            select sequence, sequence + size - 1 as last, occurred_at from event
            where organization_id = ${feed.organizationId} and sequence > ${through}
            order by sequence limit ${BATCH}
          ), edge as (
            select coalesce(
              (select min(sequence) from batch
               where occurred_at >= now() - make_interval(days => ${retentionDays})) - 1,
              (select max(last) from batch), ${through}) as through
          ), gone as (
            delete from event e using edge
            where e.organization_id = ${feed.organizationId} and e.sequence > ${through}
              and e.sequence + e.size - 1 <= edge.through
            returning e.size
          ), moved as (
            update event_sequence s set pruned_through = edge.through from edge
            where s.organization_id = ${feed.organizationId} and edge.through > s.pruned_through
            returning 1
          )
          select (select count(*)::int from gone) as rows,
            (select coalesce(sum(size), 0)::int from gone) as pruned, (select through from edge) as through`,
      );
      pruned += step!.pruned;
      through = Number(step!.through);
      if (step!.rows < BATCH) break;
    }
  }
  return pruned;
}
