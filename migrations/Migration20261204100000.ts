import { Migration } from '@mikro-orm/migrations';

/**
 * Events (src/event/, src/webhook/): the record of every change, and the webhook subscriptions
 * that deliver it.
 *
 * - `event` is the outbox: written by triggers on the tables it records (src/event/event.sql), in
 *   the transaction of the change, so an event exists exactly when its change committed. Its
 *   `sequence` is null while the transaction runs and given at its commit, in commit order, by a
 *   deferred trigger that holds the organization's `event_sequence` row until the commit is done
 *   (the statement is in event.sql; constraint triggers cannot be replaced, so the logic files
 *   drop and make it when it changes). `written` orders a transaction's events among themselves.
 *   A row holds a statement's events of one type (`size` of them, up to 1,000, each with its id in
 *   `ids` and its data in the array `data`), numbered from `sequence` on: a thousand contacts
 *   created at once are one row to write and number, not a thousand.
 * - `event_sequence` is each organization's last given sequence, and how far retention pruned.
 * - `webhook_subscription` is a receiver, its filter and secret, and where its delivery stands;
 *   `webhook_delivery` each attempt (deleted with its subscription by the service).
 * Every table is keyed by organization first, as every table Citus would shard (CITUS.md).
 */
export class Migration20261204100000 extends Migration {
  override async up(): Promise<void> {
    // One event as a trigger hands it to record_events (event.sql).
    this.addSql(`create type event_row as (organization_id uuid, type varchar(64), data jsonb);`);
    this.addSql(`create table event (
      organization_id uuid not null,
      id uuid not null default gen_random_uuid(),
      sequence bigint,
      written bigserial,
      size int not null default 1,
      ids uuid[] not null,
      type varchar(64) not null,
      occurred_at timestamptz(3) not null default clock_timestamp(),
      actor_user_id uuid,
      actor_api_key_id uuid,
      data jsonb not null,
      primary key (organization_id, id),
      constraint event_size_check check (size >= 1 and size <= 1000),
      constraint event_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);
    this.addSql(
      `create unique index event_sequence_idx on event (organization_id, sequence) include (type) where sequence is not null;`,
    );
    this.addSql(`create index event_unsequenced_idx on event (written) where sequence is null;`);

    this.addSql(`create table event_sequence (
      organization_id uuid not null,
      last_sequence bigint not null default 0,
      pruned_through bigint not null default 0,
      primary key (organization_id),
      constraint event_sequence_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);

    this.addSql(`create table webhook_subscription (
      organization_id uuid not null,
      id uuid not null default gen_random_uuid(),
      url varchar(2048) not null,
      events text[] not null,
      description varchar(256),
      secret varchar(64) not null,
      enabled boolean not null default true,
      disabled_reason varchar(256),
      created_at timestamptz(3) not null default now(),
      updated_at timestamptz(3) not null default now(),
      delivered_through bigint not null default 0,
      failed_attempts int not null default 0,
      failing_since timestamptz(3),
      next_attempt_at timestamptz(3) not null default now(),
      lease_owner varchar(64),
      lease_until timestamptz(3),
      primary key (organization_id, id),
      constraint webhook_subscription_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);
    this.addSql(
      `create index webhook_subscription_due_idx on webhook_subscription (next_attempt_at) where enabled;`,
    );

    this.addSql(`create table webhook_delivery (
      organization_id uuid not null,
      id bigserial,
      subscription_id uuid not null,
      event_id uuid not null,
      event_sequence bigint not null,
      attempted_at timestamptz(3) not null,
      duration_ms int not null,
      status_code int,
      error varchar(512),
      succeeded boolean not null,
      primary key (organization_id, id),
      constraint webhook_delivery_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);
    this.addSql(
      `create index webhook_delivery_subscription_idx on webhook_delivery (organization_id, subscription_id, id desc);`,
    );
  }

  override async down(): Promise<void> {
    this.addSql(`drop table webhook_delivery;`);
    this.addSql(`drop table webhook_subscription;`);
    for (const [table, trigger] of [
      ['event', 'event_sequenced'],
      ['contact', 'change_events_on_insert'],
      ['contact', 'change_events_on_update'],
      ['contact', 'change_events_on_delete'],
      ['consent_change', 'change_events_on_insert'],
      ['audience', 'change_events_on_insert'],
      ['audience', 'change_events_on_update'],
      ['audience', 'change_events_on_delete'],
      ['audience_contact', 'change_events_on_insert'],
      ['audience_contact', 'change_events_on_delete'],
    ]) {
      this.addSql(`drop trigger if exists ${trigger} on ${table};`);
    }
    this.addSql(`drop table event_sequence;`);
    this.addSql(`drop table event;`);
    this.addSql(`drop type event_row;`);
    for (const fn of [
      'event_sequence_at_commit()',
      'record_events(event_row[])',
      'acting_user()',
      'acting_api_key()',
      'event_json_time(timestamptz)',
      'contact_event_json(contact)',
      'audience_event_json(audience)',
      'events_of_contacts()',
      'events_of_consent_changes()',
      'events_of_audiences()',
      'events_of_memberships()',
    ]) {
      this.addSql(`drop function if exists ${fn};`);
    }
  }
}
