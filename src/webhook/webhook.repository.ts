import type { Knex } from '@mikro-orm/postgresql';
import type { PageWindow } from '../common/pagination';
import {
  joinSql,
  type NamedSql,
  queryAs,
  queryRows,
  RowShape,
  type Sql,
  sql,
} from '../database/sql';
import { findEvents } from '../event/event.repository';
import type { Event } from '../event/event.type';
import type { WebhookDelivery, WebhookSubscription } from './webhook.type';

/**
 * Webhooks' statements: the subscriptions (the service's) and their delivery (the deliverer's,
 * webhook-deliverer.ts). A subscription is delivered by the one instance holding its lease;
 * every change a client makes to it ends the lease, so that the deliverer reads it again.
 */

type SubscriptionRow = Omit<WebhookSubscription, 'deliveredThrough'> & {
  deliveredThrough: string;
};

const SUBSCRIPTION_ROW = new RowShape<SubscriptionRow>({
  id: 'id',
  url: 'url',
  events: 'events',
  description: 'description',
  enabled: 'enabled',
  disabledReason: 'disabled_reason',
  deliveredThrough: 'delivered_through',
  failedAttempts: 'failed_attempts',
  failingSince: { timestamp: 'failing_since' },
  nextAttemptAt: { timestamp: 'next_attempt_at' },
  createdAt: { timestamp: 'created_at' },
  updatedAt: { timestamp: 'updated_at' },
});

function subscriptionOf(row: SubscriptionRow): WebhookSubscription {
  return { ...row, deliveredThrough: Number(row.deliveredThrough) };
}

async function subscriptions(db: Knex, statement: NamedSql) {
  return (await queryAs(db, SUBSCRIPTION_ROW, statement)).map(subscriptionOf);
}

const RETURNING = sql`returning ${SUBSCRIPTION_ROW.select('webhook_subscription')}`;

/** Creates a subscription that starts after the organization's last event: new events only. */
export async function insertWebhook(
  db: Knex,
  organizationId: string,
  input: { url: string; events: string[]; description: string | null; secret: string },
): Promise<WebhookSubscription> {
  const [created] = await subscriptions(
    db,
    sql.named('webhook.insert')`insert into webhook_subscription
        (organization_id, url, events, description, secret, delivered_through)
      values (${organizationId}, ${input.url}, ${input.events}, ${input.description}, ${input.secret},
        coalesce((select last_sequence from event_sequence where organization_id = ${organizationId}), 0))
      ${RETURNING}`,
  );
  return created!;
}

export async function countWebhooks(db: Knex, organizationId: string): Promise<number> {
  const [row] = await queryRows<{ count: number }>(
    db,
    sql.named('webhook.count')`select count(*)::int as count from webhook_subscription
      where organization_id = ${organizationId}`,
  );
  return row!.count;
}

/** The organization's subscriptions, oldest first; one of them when `id` is given. */
export async function findWebhooks(
  db: Knex,
  organizationId: string,
  id?: string,
): Promise<WebhookSubscription[]> {
  const only = id === undefined ? sql`` : sql`and s.id = ${id}`;
  return subscriptions(
    db,
    sql.named('webhook.find')`select ${SUBSCRIPTION_ROW.select('s')} from webhook_subscription s
      where s.organization_id = ${organizationId} ${only} order by s.created_at, s.id`,
  );
}

/**
 * Changes a subscription. Enabling one that is disabled starts it afresh (its failures
 * forgotten, tried at once); a changed URL or filter is tried at once too.
 */
export async function updateWebhook(
  db: Knex,
  organizationId: string,
  id: string,
  changes: { url?: string; events?: string[]; description?: string | null; enabled?: boolean },
): Promise<WebhookSubscription | undefined> {
  const assignments: Sql[] = [sql`updated_at = now()`];
  // Where and what it delivers changed: the run in flight (if any) loses its lease and stops,
  // and the next event is tried at once. A description alone changes neither.
  if (changes.url !== undefined || changes.events !== undefined || changes.enabled !== undefined) {
    assignments.push(
      sql`lease_owner = null`,
      sql`lease_until = null`,
      sql`next_attempt_at = now()`,
    );
  }
  if (changes.url !== undefined) assignments.push(sql`url = ${changes.url}`);
  if (changes.events !== undefined) assignments.push(sql`events = ${changes.events}`);
  if (changes.description !== undefined) {
    assignments.push(sql`description = ${changes.description}`);
  }
  if (changes.enabled === true) {
    assignments.push(
      sql`failed_attempts = case when enabled then failed_attempts else 0 end`,
      sql`failing_since = case when enabled then failing_since end`,
      sql`enabled = true`,
      sql`disabled_reason = null`,
    );
  } else if (changes.enabled === false) {
    assignments.push(sql`enabled = false`, sql`disabled_reason = 'disabled by a client'`);
  }
  const [updated] = await subscriptions(
    db,
    sql.named('webhook.update')`update webhook_subscription set ${joinSql(assignments, ', ')}
      where organization_id = ${organizationId} and id = ${id} ${RETURNING}`,
  );
  return updated;
}

/** Deletes a subscription and its record of deliveries. */
export async function deleteWebhook(
  db: Knex,
  organizationId: string,
  id: string,
): Promise<WebhookSubscription | undefined> {
  const [deleted] = await subscriptions(
    db,
    sql.named('webhook.delete')`with gone as (
        delete from webhook_subscription where organization_id = ${organizationId} and id = ${id}
        ${RETURNING}
      ), deliveries as (
        delete from webhook_delivery d using gone
        where d.organization_id = ${organizationId} and d.subscription_id = gone.id
      )
      select * from gone`,
  );
  return deleted;
}

/** Delivers again every event after `sequence`: the subscription is tried at once from there. */
export async function replayWebhook(
  db: Knex,
  organizationId: string,
  id: string,
  sequence: number,
): Promise<WebhookSubscription | undefined> {
  const [replayed] = await subscriptions(
    db,
    sql.named('webhook.replay')`update webhook_subscription set delivered_through = ${sequence},
        failed_attempts = 0, next_attempt_at = now(), lease_owner = null, lease_until = null,
        updated_at = now()
      where organization_id = ${organizationId} and id = ${id} ${RETURNING}`,
  );
  return replayed;
}

const DELIVERY_ROW = new RowShape<
  Omit<WebhookDelivery, 'eventSequence'> & { eventSequence: string }
>({
  eventId: 'event_id',
  eventSequence: 'event_sequence',
  attemptedAt: { timestamp: 'attempted_at' },
  durationMs: 'duration_ms',
  statusCode: 'status_code',
  error: 'error',
  succeeded: 'succeeded',
});

/** A page of a subscription's attempts, newest first, and how many there are. */
export async function findDeliveries(
  db: Knex,
  organizationId: string,
  subscriptionId: string,
  window: PageWindow,
): Promise<{ deliveries: WebhookDelivery[]; total: number }> {
  const rows = await queryRows<Record<string, unknown> & { total: number }>(
    db,
    sql.named('webhook.deliveries')`select t.total, p.* from
        (select count(*)::int as total from webhook_delivery
         where organization_id = ${organizationId} and subscription_id = ${subscriptionId}) t
        left join lateral (
          select d.id, ${DELIVERY_ROW.select('d')} from webhook_delivery d
          where d.organization_id = ${organizationId} and d.subscription_id = ${subscriptionId}
          order by d.id desc limit ${window.limit} offset ${window.offset}
        ) p on true order by p.id desc`,
  );
  const deliveries = rows
    .filter((row) => row.id !== null)
    .map((row) => {
      const delivery = DELIVERY_ROW.read(row);
      return { ...delivery, eventSequence: Number(delivery.eventSequence) };
    });
  return { deliveries, total: rows[0]?.total ?? 0 };
}

// The deliverer's statements, across organizations: it works for all of them.

/** A subscription an instance holds, with what it needs to deliver. */
export interface ClaimedWebhook {
  organizationId: string;
  id: string;
  url: string;
  events: string[];
  secret: string;
  deliveredThrough: number;
  failedAttempts: number;
  /** The organization's last event when it was claimed: every event up to it has committed. */
  head: number;
  /** The organization's events up to this are pruned (retention). */
  prunedThrough: number;
  /** This claim's own lease token: a later claim of the same subscription has another. */
  lease: string;
}

/**
 * Takes the lease of up to `limit` subscriptions that are due and have events to deliver, for
 * `leaseMs`, skipping those another instance is taking at the same moment.
 */
export async function claimDueWebhooks(
  db: Knex,
  owner: string,
  limit: number,
  leaseMs: number,
  active: readonly string[],
): Promise<ClaimedWebhook[]> {
  const rows = await queryRows<
    Omit<ClaimedWebhook, 'deliveredThrough' | 'head' | 'prunedThrough'> & {
      deliveredThrough: string;
      head: string;
      prunedThrough: string;
    }
  >(
    db,
    sql.named('webhook.claim')`with due as (
        select s.organization_id, s.id, q.last_sequence, q.pruned_through from webhook_subscription s
        join event_sequence q on q.organization_id = s.organization_id
        where s.enabled and s.next_attempt_at <= now() and s.delivered_through < q.last_sequence
          and (s.lease_until is null or s.lease_until < now())
          and not (s.id = any(cast(${[...active]} as uuid[])))
        order by s.next_attempt_at limit ${limit}
        for update of s skip locked
      )
      update webhook_subscription s
      set lease_owner = ${owner} || ' ' || gen_random_uuid(),
        lease_until = now() + make_interval(secs => ${leaseMs / 1000})
      from due where s.organization_id = due.organization_id and s.id = due.id
      returning s.organization_id as "organizationId", s.id, s.url, s.events, s.secret,
        s.delivered_through as "deliveredThrough", s.failed_attempts as "failedAttempts",
        due.last_sequence as head, due.pruned_through as "prunedThrough", s.lease_owner as lease`,
  );
  return rows.map((row) => ({
    ...row,
    deliveredThrough: Number(row.deliveredThrough),
    head: Number(row.head),
    prunedThrough: Number(row.prunedThrough),
  }));
}

/**
 * Disables a subscription whose next events were pruned before it received them (it was
 * disabled or behind for longer than EVENT_RETENTION_DAYS): delivering on would skip them
 * without a word. A replay from a kept cursor starts it again.
 */
export async function disablePruned(db: Knex, webhook: ClaimedWebhook): Promise<void> {
  await queryRows(
    db,
    sql.named('webhook.disablePruned')`update webhook_subscription set enabled = false,
        disabled_reason = ${`events after ${webhook.deliveredThrough} were pruned (EVENT_RETENTION_DAYS) before delivery: replay from a kept cursor`},
        lease_owner = null, lease_until = null, updated_at = now()
      where organization_id = ${webhook.organizationId} and id = ${webhook.id}
        and lease_owner = ${webhook.lease}`,
  );
}

/** The subscription's next events after `after` up to its head, of its types, in order. */
export async function findPendingEvents(
  db: Knex,
  webhook: ClaimedWebhook,
  after: number,
  limit: number,
): Promise<Event[]> {
  const read = await findEvents(db, webhook.organizationId, {
    after,
    limit,
    types: webhook.events,
    through: webhook.head,
  });
  return read.events;
}

/** One attempt, as the deliverer records it. */
export interface AttemptRecord {
  eventId: string;
  eventSequence: number;
  attemptedAt: Date;
  durationMs: number;
  statusCode: number | null;
  error: string | null;
  succeeded: boolean;
}

/**
 * Records attempts and where the subscription now stands, while this instance still holds its
 * lease (renewed): false when it no longer does (a client changed or deleted the subscription,
 * or the lease ran out and another instance took it), and the deliverer stops. A failure puts
 * the next attempt `retryInMs` away, and disables a subscription failing for 24 hours.
 */
export async function recordAttempts(
  db: Knex,
  webhook: ClaimedWebhook,
  progress: {
    attempts: readonly AttemptRecord[];
    deliveredThrough: number;
    leaseMs: number;
    failure?: { retryInMs: number; error: string };
    /** Whether the lease is given back (caught up, failed or closing). */
    release: boolean;
  },
): Promise<boolean> {
  const attempts = progress.attempts;
  const failed = progress.failure !== undefined;
  const release = progress.release || failed;
  // Failing since a day ago (the old failing_since: a first failure has none): it is disabled.
  const failingTooLong = sql`coalesce(failing_since, now()) <= now() - interval '24 hours'`;
  // Only a success ends a run of failures (a run that stopped before its first attempt did not).
  const succeeded = attempts.some((attempt) => attempt.succeeded);
  const [row] = await queryRows<{ held: boolean }>(
    db,
    sql.named('webhook.recordAttempts')`with held as (
        update webhook_subscription set
          delivered_through = greatest(delivered_through, ${progress.deliveredThrough}),
          failed_attempts = case when ${failed} then failed_attempts + 1
            when ${succeeded} then 0 else failed_attempts end,
          failing_since = case when ${failed} then coalesce(failing_since, now())
            when ${succeeded} then null else failing_since end,
          next_attempt_at = case when ${failed}
            then now() + make_interval(secs => ${(progress.failure?.retryInMs ?? 0) / 1000})
            else next_attempt_at end,
          enabled = not (${failed} and ${failingTooLong}),
          disabled_reason = case when ${failed} and ${failingTooLong}
            then left('failing since ' || to_char(failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')
              || ': ' || ${progress.failure?.error ?? ''}, 256) end,
          lease_owner = case when ${release} then null else lease_owner end,
          lease_until = case when ${release} then null
            else now() + make_interval(secs => ${progress.leaseMs / 1000}) end
        where organization_id = ${webhook.organizationId} and id = ${webhook.id}
          and lease_owner = ${webhook.lease}
        returning 1
      ), recorded as (
        insert into webhook_delivery (organization_id, subscription_id, event_id, event_sequence,
          attempted_at, duration_ms, status_code, error, succeeded)
        select ${webhook.organizationId}, ${webhook.id}, a.event_id, a.event_sequence, a.attempted_at,
          a.duration_ms, a.status_code, a.error, a.succeeded
        from unnest(cast(${attempts.map((a) => a.eventId)} as uuid[]),
                    cast(${attempts.map((a) => a.eventSequence)} as bigint[]),
                    cast(${attempts.map((a) => a.attemptedAt.toISOString())} as timestamptz[]),
                    cast(${attempts.map((a) => a.durationMs)} as int[]),
                    cast(${attempts.map((a) => a.statusCode)} as int[]),
                    cast(${attempts.map((a) => a.error)} as text[]),
                    cast(${attempts.map((a) => a.succeeded)} as boolean[]))
          a(event_id, event_sequence, attempted_at, duration_ms, status_code, error, succeeded)
        where exists (select 1 from webhook_subscription s
                      where s.organization_id = ${webhook.organizationId} and s.id = ${webhook.id})
      )
      select exists (select 1 from held) as held`,
  );
  return row!.held;
}

/** Ends the leases this instance holds: another instance may take them at once. */
export async function releaseWebhookLeases(db: Knex, owner: string): Promise<void> {
  await queryRows(
    db,
    sql.named('webhook.release')`update webhook_subscription set lease_owner = null,
      lease_until = null where lease_owner like ${`${owner} %`}`,
  );
}

/** Forgets delivery attempts older than the retention. */
export async function pruneDeliveries(db: Knex, retentionDays: number): Promise<number> {
  const [row] = await queryRows<{ pruned: number }>(
    db,
    sql.named('webhook.pruneDeliveries')`with gone as (
        delete from webhook_delivery
        where attempted_at < now() - make_interval(days => ${retentionDays}) returning 1
      ) select count(*)::int as pruned from gone`,
  );
  return row!.pruned;
}
