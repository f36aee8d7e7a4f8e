import type { Knex } from '@mikro-orm/postgresql';
import type { PageWindow } from '../common/pagination';
import { CONTACT_ROW } from '../contact/contact.repository';
import { consentAssignments, statusValue } from '../contact/consent.columns';
import {
  type Consent,
  ConsentChannel,
  ConsentSource,
  ConsentStatus,
} from '../contact/consent.type';
import { queryRows, RowShape, sql, sqlText, WRITE_TIME } from '../database/sql';
import { type ConsentChange, type SmsKeyword, type SmsKeywordAction } from './consent.type';

/**
 * Consent's own statements: the record of changes (written by the database, consent.sql; read
 * here), opt-out lists and keywords, which change consent by phone. Every write here runs in a
 * transaction that named its actor first (organization/acting.ts) and locks contacts in id order, the lock
 * order of every contact write.
 */

const CHANGE_ROW = new RowShape<
  Omit<ConsentChange, 'actor'> & { userId: string | null; apiKeyId: string | null; id: string }
>({
  id: 'id',
  channel: 'channel',
  status: 'status',
  previousStatus: 'previous_status',
  source: 'source',
  keyword: 'keyword',
  address: 'address',
  occurredAt: { timestamp: 'occurred_at' },
  userId: 'actor_user_id',
  apiKeyId: 'actor_api_key_id',
});

/** One contact's page of changes, newest first, and how many it has. */
export interface ChangePage {
  total: number;
  changes: (ConsentChange & { id: string })[];
}

/**
 * A page of the record of each of these contacts, newest first (by id, the order the record was
 * written in), in one statement: a page of contacts each showing its record. `before` starts after
 * a change (a cursor's id) instead of at `window.offset`.
 */
export async function findConsentChanges(
  db: Knex,
  organizationId: string,
  contactIds: readonly string[],
  query: { window: PageWindow; before?: string },
): Promise<Map<string, ChangePage>> {
  const ids = [...new Set(contactIds)];
  const before =
    query.before === undefined ? sql`` : sql`and r.id < cast(${query.before} as bigint)`;
  const rows = await queryRows<Record<string, unknown> & { contactId: string; total: number }>(
    db,
    sql.named('consent.history')`select k.contact_id as "contactId", t.total, p.*
        from unnest(cast(${ids} as uuid[])) k(contact_id)
        cross join lateral (select count(*)::int as total from consent_change r
          where r.organization_id = ${organizationId} and r.contact_id = k.contact_id) t
        left join lateral (
          select ${CHANGE_ROW.select('r')} from consent_change r
          where r.organization_id = ${organizationId} and r.contact_id = k.contact_id ${before}
          order by r.id desc limit ${query.window.limit} offset ${query.window.offset}
        ) p on true
        order by k.contact_id, p.id desc`,
  );
  const found = new Map<string, ChangePage>(ids.map((id) => [id, { total: 0, changes: [] }]));
  for (const row of rows) {
    const entry = found.get(row.contactId)!;
    entry.total = row.total;
    if (row.id === null) continue;
    const { userId, apiKeyId, ...change } = CHANGE_ROW.read(row);
    const actor = userId === null && apiKeyId === null ? null : { userId, apiKeyId };
    entry.changes.push({ ...change, id: String(change.id), actor });
  }
  return found;
}

/** What an opt-out list changed (OptOutResult). */
export interface OptOuts {
  unsubscribed: number;
  alreadyUnsubscribed: number;
  unknownPhones: string[];
}

/**
 * Makes the organization's contacts with these phones UNSUBSCRIBED on the channel, in one
 * statement: the contacts are locked in id order first, those already unsubscribed are left as
 * they are (nothing recorded), and the phones no contact has come back in the order given.
 * `phones` are E.164 and distinct.
 */
export async function unsubscribePhones(
  trx: Knex.Transaction,
  organizationId: string,
  channel: ConsentChannel,
  phones: readonly string[],
): Promise<OptOuts> {
  const column = channel === ConsentChannel.SMS ? 'sms' : 'email';
  const status = sqlText(`${column}_consent`);
  const write = {
    status: statusValue(ConsentStatus.UNSUBSCRIBED),
    source: ConsentSource.OPT_OUT_LIST,
  };
  const [result] = await queryRows<OptOuts>(
    trx,
    sql.named('consent.optOuts')`with listed as (
        select p.phone, p.position from unnest(cast(${[...phones]} as text[])) with ordinality p(phone, position)
      ), found as (
        select c.id, c.primary_phone, c.${status} as status from contact c
        where c.organization_id = ${organizationId} and c.primary_phone in (select phone from listed)
        order by c.id for no key update
      ), changed as (
        update contact c set ${consentAssignments(column, 'c', write)}, updated_at = ${WRITE_TIME}
        from found f where c.id = f.id and f.status <> 'UNSUBSCRIBED'
        returning c.id
      )
      select (select count(*)::int from changed) as unsubscribed,
        (select count(*)::int from found where status = 'UNSUBSCRIBED') as "alreadyUnsubscribed",
        array(select l.phone from listed l
              where not exists (select 1 from found f where f.primary_phone = l.phone)
              order by l.position) as "unknownPhones"`,
  );
  return result!;
}

/** A contact's SMS consent after a keyword; undefined when no contact of the organization has the phone. */
export interface KeywordOutcome {
  contactId: string;
  smsConsent: Consent;
}

/**
 * Moves the SMS consent of the organization's contact with this phone to `status`, by keyword:
 * a write only when the status differs (a second STOP changes and records nothing).
 */
export async function applyKeyword(
  trx: Knex.Transaction,
  organizationId: string,
  phone: string,
  keyword: string,
  status: ConsentStatus,
): Promise<KeywordOutcome | undefined> {
  const write = { status: statusValue(status), source: ConsentSource.KEYWORD, keyword };
  const [row] = await queryRows<Record<string, unknown>>(
    trx,
    // `found` is the row as locked, the latest version (a STOP that committed meanwhile
    // included), which is the answer when nothing changes.
    sql.named('consent.keyword')`with found as materialized (
        select ${CONTACT_ROW.select('c')} from contact c
        where c.organization_id = ${organizationId} and c.primary_phone = ${phone}
        for no key update
      ), changed as (
        update contact c set ${consentAssignments('sms', 'c', write)}, updated_at = ${WRITE_TIME}
        from found f where c.id = f.id and c.sms_consent <> ${write.status}
        returning ${CONTACT_ROW.select('c')}
      )
      select * from changed
      union all
      select * from found where not exists (select 1 from changed)`,
  );
  if (!row) return undefined;
  const contact = CONTACT_ROW.read(row);
  return { contactId: contact.id, smsConsent: contact.smsConsent };
}

/** The action of one of the organization's own keywords; undefined when it has none such. */
export async function findKeywordAction(
  db: Knex,
  organizationId: string,
  keyword: string,
): Promise<SmsKeywordAction | undefined> {
  const [row] = await queryRows<{ action: SmsKeywordAction }>(
    db,
    sql.named('consent.keywordAction')`select action from sms_keyword
        where organization_id = ${organizationId} and keyword = ${keyword}`,
  );
  return row?.action;
}

/** The organization's own keywords, alphabetically. */
export async function findKeywords(db: Knex, organizationId: string): Promise<SmsKeyword[]> {
  return queryRows<SmsKeyword>(
    db,
    sql.named('consent.keywords')`select keyword, action, false as "builtIn" from sms_keyword
        where organization_id = ${organizationId} order by keyword`,
  );
}

/** Adds the keyword, or changes what it does. */
export async function upsertKeyword(
  db: Knex,
  organizationId: string,
  keyword: string,
  action: SmsKeywordAction,
): Promise<void> {
  await queryRows(
    db,
    sql.named('consent.keywordUpsert')`insert into sms_keyword (organization_id, keyword, action)
        values (${organizationId}, ${keyword}, ${action})
        on conflict (organization_id, keyword) do update set action = excluded.action`,
  );
}

/** Removes the keyword; whether there was one. */
export async function deleteKeyword(
  db: Knex,
  organizationId: string,
  keyword: string,
): Promise<SmsKeyword | undefined> {
  const [row] = await queryRows<SmsKeyword>(
    db,
    sql.named('consent.keywordDelete')`delete from sms_keyword
        where organization_id = ${organizationId} and keyword = ${keyword}
        returning keyword, action, false as "builtIn"`,
  );
  return row;
}
