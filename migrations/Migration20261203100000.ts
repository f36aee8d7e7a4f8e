import { Migration } from '@mikro-orm/migrations';

/**
 * Consent per channel (src/consent/): each contact's SMS and e-mail marketing consent, its record
 * of every change, the counts of subscribed and unsubscribed members each audience and
 * organization keeps, and the organization's own SMS keywords.
 *
 * - `contact` gains each channel's status (NEVER_SUBSCRIBED for every existing contact, so the new
 *   counts start at 0), when it last changed, its source and the keyword that changed it. A
 *   contact without an e-mail address is never subscribed to e-mail (a check).
 * - `audience_contact` gains copies of both statuses, kept by the membership triggers as its other
 *   copies are, so that an audience's members are filtered from its own rows. No index holds a
 *   status (see below), and both tables leave room in their pages for HOT updates.
 * - The triggers a contact update fires to keep counts and copies get names that say their order,
 *   the one lock order (docs/architecture.md; triggers of one event fire in name order): the
 *   audiences' consent counts (new), the organization's row and pieces, then the memberships and
 *   their audiences' pieces, as a contact delete takes them. The logic files create them under
 *   their new names (`contact_changed_1_…`, `_2_…`, `_3_…`).
 * - `consent_change` is the record: kept for good, even when its contact is erased (proof of
 *   consent), keyed by organization as every table that Citus would shard.
 */
export class Migration20261203100000 extends Migration {
  override async up(): Promise<void> {
    this.addSql(
      `create type consent_status as enum ('NEVER_SUBSCRIBED', 'SUBSCRIBED', 'UNSUBSCRIBED');`,
    );
    this.addSql(`create type consent_source as enum ('API', 'IMPORT', 'KEYWORD', 'OPT_OUT_LIST');`);
    this.addSql(`create type consent_channel as enum ('SMS', 'EMAIL');`);

    this.addSql(`alter table contact
      add column sms_consent consent_status not null default 'NEVER_SUBSCRIBED',
      add column sms_consent_updated_at timestamptz(3),
      add column sms_consent_source consent_source,
      add column sms_consent_keyword varchar(32),
      add column email_consent consent_status not null default 'NEVER_SUBSCRIBED',
      add column email_consent_updated_at timestamptz(3),
      add column email_consent_source consent_source,
      add column email_consent_keyword varchar(32),
      add constraint contact_email_consent_needs_email
        check (email_consent <> 'SUBSCRIBED' or primary_email is not null);`);
    this.addSql(`alter table audience_contact
      add column sms_consent consent_status not null default 'NEVER_SUBSCRIBED',
      add column email_consent consent_status not null default 'NEVER_SUBSCRIBED';`);
    for (const table of ['audience', 'organization']) {
      this.addSql(`alter table "${table}"
        add column sms_subscribed_count int not null default 0,
        add column sms_unsubscribed_count int not null default 0,
        add column email_subscribed_count int not null default 0,
        add column email_unsubscribed_count int not null default 0;`);
    }

    // Their searched counts take the consent filter: made again by the logic files, with it.
    this.addSql(`drop function if exists count_contacts_matching(uuid, text);`);
    this.addSql(`drop function if exists count_members_matching(uuid[], text);`);
    this.addSql(`drop trigger if exists contact_changed on contact;`);
    this.addSql(`drop trigger if exists contact_copy_to_memberships on contact;`);

    // No index holds a status, so that changing consent is a HOT update (no index touched) of
    // the contact and its memberships wherever their pages have room, which a fill factor of 90
    // leaves: an opt-out list of 100,000 phones rewrote about 2.4 million index entries otherwise
    // (43 s on the benchmark data, measured). Filtered pages read the statuses from the rows
    // their sort index leads to; the kept counts give their totals.
    this.addSql(`alter table contact set (fillfactor = 90);`);
    this.addSql(`alter table audience_contact set (fillfactor = 90);`);

    this.addSql(`create table consent_change (
      organization_id uuid not null,
      id bigserial,
      contact_id uuid not null,
      channel consent_channel not null,
      status consent_status not null,
      previous_status consent_status not null,
      source consent_source not null,
      keyword varchar(32),
      address varchar(254),
      occurred_at timestamptz(3) not null,
      actor_user_id uuid,
      actor_api_key_id uuid,
      primary key (organization_id, id),
      constraint consent_change_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);
    this.addSql(
      `create index consent_change_contact_idx on consent_change (organization_id, contact_id, id desc);`,
    );

    this.addSql(`create type sms_keyword_action as enum ('OPT_OUT', 'OPT_IN');`);
    this.addSql(`create table sms_keyword (
      organization_id uuid not null,
      keyword varchar(32) not null,
      action sms_keyword_action not null,
      created_at timestamptz(3) not null default now(),
      primary key (organization_id, keyword),
      constraint sms_keyword_organization_id_foreign foreign key (organization_id)
        references organization (id) on update cascade on delete cascade
    );`);
  }

  override async down(): Promise<void> {
    this.addSql(`drop table sms_keyword;`);
    this.addSql(`drop type sms_keyword_action;`);
    this.addSql(`drop table consent_change;`);
    this.addSql(`drop trigger if exists consent_recorded_on_insert on contact;`);
    this.addSql(`drop trigger if exists consent_recorded_on_update on contact;`);
    this.addSql(`drop trigger if exists contact_changed_1_audience_counts on contact;`);
    this.addSql(`drop trigger if exists contact_changed_2_organization on contact;`);
    this.addSql(`drop trigger if exists contact_changed_3_memberships on contact;`);
    this.addSql(`drop function if exists contact_consent_to_audiences();`);
    this.addSql(
      `drop function if exists count_contacts_matching(uuid, text, consent_status, consent_status);`,
    );
    this.addSql(
      `drop function if exists count_members_matching(uuid[], text, consent_status, consent_status);`,
    );
    this.addSql(`drop function if exists consent_recorded();`);
    for (const table of ['audience', 'organization']) {
      this.addSql(`alter table "${table}" drop column sms_subscribed_count,
        drop column sms_unsubscribed_count, drop column email_subscribed_count,
        drop column email_unsubscribed_count;`);
    }
    this.addSql(
      `alter table audience_contact drop column sms_consent, drop column email_consent, reset (fillfactor);`,
    );
    this.addSql(`alter table contact drop constraint contact_email_consent_needs_email,
      drop column sms_consent, drop column sms_consent_updated_at, drop column sms_consent_source,
      drop column sms_consent_keyword, drop column email_consent, drop column email_consent_updated_at,
      drop column email_consent_source, drop column email_consent_keyword, reset (fillfactor);`);
    this.addSql(`drop type consent_channel;`);
    this.addSql(`drop type consent_source;`);
    this.addSql(`drop type consent_status;`);
    // contact_changed and contact_copy_to_memberships come back from the logic files of before.
  }
}
