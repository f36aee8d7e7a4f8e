import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import {
  joinSql,
  nativeSql,
  queryAs,
  queryRows,
  RowShape,
  type Sql,
  sql,
  sqlText,
  WRITE_TIME,
} from '../database/sql';
import type { PageWindow } from '../common/pagination';
import { type SearchTerm, searchTextMatches } from '../common/search';
import { CONTACT_SEARCH_FIELDS } from './contact.search';
import { searchedIds, searchPlan } from '../database/search-plan';
import type { SortOrder } from '../common/sorting';
import { ContactSortField } from './contact.args';
import type { CreateContactInput } from './contact.input';
import type { Contact } from './contact.type';
import type { ConsentFilter } from './consent.args';
import {
  consentAssignments,
  consentColumns,
  consentMatches,
  hasConsentFilter,
  type KeptConsentCounts,
  keptConsentCountsSelect,
  keptConsentMatches,
  keptCountsAnswer,
  statusValue,
} from './consent.columns';
import { ConsentSource, ConsentStatus } from './consent.type';

const SORT_COLUMNS: Record<ContactSortField, string> = {
  [ContactSortField.firstName]: 'first_name',
  [ContactSortField.lastName]: 'last_name',
  [ContactSortField.primaryPhone]: 'primary_phone',
  [ContactSortField.createdAt]: 'created_at',
};

/**
 * A contact as the tables hold it, each column named after its field of `Contact`. The stored
 * search text and pieces stay in the database.
 */
export const CONTACT_ROW = new RowShape<Contact>({
  id: 'id',
  organizationId: 'organization_id',
  firstName: 'first_name',
  lastName: 'last_name',
  primaryPhone: 'primary_phone',
  primaryEmail: 'primary_email',
  createdAt: { timestamp: 'created_at' },
  updatedAt: { timestamp: 'updated_at' },
  smsConsent: consentColumns('sms'),
  emailConsent: consentColumns('email'),
});

export interface ContactQuery {
  search: SearchTerm | undefined;
  consent: ConsentFilter;
  sortBy: ContactSortField;
  sortOrder: SortOrder;
  window: PageWindow;
}

/** How many contacts the organization has, and how many of them match the search. */
export interface ContactCounts {
  contacts: number;
  matches: number;
}

/**
 * The organization's contact count and the matches of the search and consent filter, in one
 * statement that reads no contact unless it must: the counts are kept on the organization (all
 * contacts, and the subscribed and unsubscribed of each channel), a one- or two-letter term's
 * matches in organization_search_gram, and a term with a trigram is counted from the trigram index
 * (count_contacts_matching, contact.sql). A search with a consent filter, or a filter on both
 * channels, is counted from the contacts, at a cost that follows the matches.
 */
export async function countContacts(
  db: Knex,
  organizationId: string,
  search: SearchTerm | undefined,
  consent: ConsentFilter = {},
): Promise<ContactCounts> {
  let matches: Sql = sqlText('null');
  if (search?.trigram) {
    matches = sql`count_contacts_matching(o.id, ${search.pattern}, cast(${consent.sms ?? null} as consent_status), cast(${consent.email ?? null} as consent_status))`;
  } else if (search?.piece !== undefined && !hasConsentFilter(consent)) {
    matches = sql`coalesce((select s.contacts from organization_search_gram s
      where s.organization_id = o.id and s.gram = lower(${search.piece})), 0)`;
  } else if (search || !keptCountsAnswer(consent)) {
    const match = search ? searchTextMatches('c', search, CONTACT_SEARCH_FIELDS) : sqlText('true');
    matches = sql`(select count(*)::int from contact c
      where c.organization_id = o.id and ${match} and ${consentMatches('c', consent)})`;
  }
  const [counts] = await queryRows<KeptConsentCounts & { matches: number | null }>(
    db,
    sql.named('contact.count')`select ${keptConsentCountsSelect('o')}, ${matches} as matches
        from organization o where o.id = ${organizationId}`,
  );
  if (!counts) return { contacts: 0, matches: 0 };
  return {
    contacts: counts.contactCount,
    matches: counts.matches ?? keptConsentMatches(counts, consent)!,
  };
}

/**
 * A page of contacts: the page's ids first, from the sort column's index alone (skipping 100,000
 * entries of an index-only scan costs milliseconds, reading 100,000 rows does not), then the rows.
 * A search is read the way its exact counts say is cheaper (see searchPlan).
 */
export async function findContacts(
  db: Knex,
  organizationId: string,
  query: ContactQuery,
  counts: ContactCounts,
): Promise<Contact[]> {
  if (query.window.offset >= counts.matches) return [];
  const direction = sqlText(query.sortOrder === 'asc' ? 'asc' : 'desc');
  const column = sqlText(`c.${SORT_COLUMNS[query.sortBy]}`);
  const order = sql`order by ${column} ${direction}, c.id ${direction}
    limit ${query.window.limit} offset ${query.window.offset}`;
  let ids = sql`select c.id from contact c where c.organization_id = ${organizationId} ${order}`;
  if (query.search || hasConsentFilter(query.consent)) {
    // No index holds a status (a consent change stays a HOT update): a consent filter alone walks
    // the sort index, reading the status from each row, (offset + limit) × rows / matches of them.
    const plan = searchPlan({
      rows: counts.contacts,
      matches: counts.matches,
      ...query.window,
      trigram: query.search?.trigram ?? false,
    });
    const match = query.search
      ? searchTextMatches('c', query.search, CONTACT_SEARCH_FIELDS, { unindexed: plan === 'walk' })
      : sqlText('true');
    ids = searchedIds(
      plan,
      sql`select c.id, ${column} from contact c where c.organization_id = ${organizationId}
          and ${match} and ${consentMatches('c', query.consent)}`,
      'c',
      order,
    );
  }
  return queryAs(
    db,
    CONTACT_ROW,
    sql.named('contact.page')`select ${CONTACT_ROW.select('c')} from (
       select c.id, row_number() over () as position from (${ids}) c
     ) page join contact c on c.id = page.id order by page.position`,
  );
}

/** The sort column's value as a cursor carries it: text, timestamps in ISO 8601. */
export function sortValueOf(contact: Contact, sortBy: ContactSortField): string {
  const value = contact[sortBy];
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * Inserts the contacts in one statement; a phone the organization has fails it (23505). A consent
 * given (other than NEVER_SUBSCRIBED) is the API's, as of now.
 */
export async function insertContacts(
  db: Knex,
  organizationId: string,
  inputs: readonly CreateContactInput[],
): Promise<Contact[]> {
  if (inputs.length === 0) return [];
  const consent = (status: ConsentStatus | null | undefined) => {
    const given = status ?? ConsentStatus.NEVER_SUBSCRIBED;
    const changed = given !== ConsentStatus.NEVER_SUBSCRIBED;
    return sql`${statusValue(given)}, ${changed ? WRITE_TIME : null},
      cast(${changed ? ConsentSource.API : null} as consent_source)`;
  };
  const values = inputs.map(
    (input) =>
      sql`(${organizationId}, ${input.firstName}, ${input.lastName}, ${input.primaryPhone}, ${input.primaryEmail ?? null},
        ${consent(input.smsConsent)}, ${consent(input.emailConsent)})`,
  );
  return queryAs(
    db,
    CONTACT_ROW,
    sql.named('contact.insert')`insert into contact as c (organization_id, first_name, last_name,
          primary_phone, primary_email, sms_consent, sms_consent_updated_at, sms_consent_source,
          email_consent, email_consent_updated_at, email_consent_source)
        values ${joinSql(values, ', ')}
        returning ${CONTACT_ROW.select('c')}`,
  );
}

/** What an update sets; undefined keeps a field, a null e-mail removes it (and its consent). */
export interface ContactChanges {
  firstName?: string;
  lastName?: string;
  primaryPhone?: string;
  primaryEmail?: string | null;
  smsConsent?: ConsentStatus;
  emailConsent?: ConsentStatus;
}

/**
 * Changes the contact, unless nothing would change: a write only when a value differs, so that
 * updatedAt keeps naming the last real change. Undefined when the organization has no such
 * contact; the contact as it is when nothing changed. Removing the e-mail address makes e-mail
 * consent NEVER_SUBSCRIBED, whatever it was (an address gone has nobody to consent).
 */
export async function updateContact(
  db: Knex,
  organizationId: string,
  id: string,
  changes: ContactChanges,
): Promise<Contact | undefined> {
  const columns = {
    first_name: changes.firstName,
    last_name: changes.lastName,
    primary_phone: changes.primaryPhone,
    primary_email: changes.primaryEmail,
  };
  const set = Object.entries(columns).filter(([, value]) => value !== undefined);
  const assignments = set.map(([column, value]) => sql`${sqlText(column)} = ${value}`);
  const differs = set.map(([column, value]) => sql`${sqlText(column)} is distinct from ${value}`);
  // An address that goes away takes its consent with it; no address to remove changes nothing.
  const emailGone = sql`case when c.primary_email is not null then ${statusValue(ConsentStatus.NEVER_SUBSCRIBED)} else c.email_consent end`;
  const consent = {
    sms: changes.smsConsent && statusValue(changes.smsConsent),
    email:
      changes.primaryEmail === null
        ? emailGone
        : changes.emailConsent && statusValue(changes.emailConsent),
  };
  for (const channel of ['sms', 'email'] as const) {
    const status = consent[channel];
    if (status === undefined) continue;
    const write = { status, source: ConsentSource.API };
    assignments.push(consentAssignments(channel, 'c', write));
    differs.push(sql`${sqlText(`c.${channel}_consent`)} is distinct from ${write.status}`);
  }
  if (assignments.length === 0) return findContact(db, organizationId, id);
  const [changed] = await queryAs(
    db,
    CONTACT_ROW,
    sql.named(
      'contact.update',
    )`update contact c set ${joinSql(assignments, ', ')}, updated_at = ${WRITE_TIME}
        where c.organization_id = ${organizationId} and c.id = ${id} and (${joinSql(differs, ' or ')})
        returning ${CONTACT_ROW.select('c')}`,
  );
  // Nothing changed (or no such contact): the contact as it stands now.
  return changed ?? findContact(db, organizationId, id);
}

/**
 * Erases a contact and its memberships, in the caller's transaction. The locks go in the order
 * every membership change takes them, contact first and then audiences in id order (see
 * lockContacts in membership.repository), so that deleting a contact while its audiences gain or
 * lose members never deadlocks: the contact, then the audiences whose counts its memberships
 * leave (live or deleted), then the rows. The database takes the memberships out of the counts.
 */
export async function deleteContact(
  trx: Knex.Transaction,
  organizationId: string,
  id: string,
): Promise<Contact | undefined> {
  const locked = await queryRows(
    trx,
    sql.named(
      'contact.lockForDelete',
    )`select 1 from contact where organization_id = ${organizationId} and id = ${id} for update`,
  );
  if (locked.length === 0) return undefined;
  await queryRows(
    trx,
    sql.named('contact.lockAudiencesForDelete')`select 1 from audience a
        where a.id in (select ac.audience_id from audience_contact ac where ac.contact_id = ${id})
        order by a.id for no key update`,
  );
  const [deleted] = await queryAs(
    trx,
    CONTACT_ROW,
    sql.named(
      'contact.delete',
    )`delete from contact c where c.organization_id = ${organizationId} and c.id = ${id}
        returning ${CONTACT_ROW.select('c')}`,
  );
  return deleted;
}

/** Which of these phones the organization's contacts have, in the order given. */
export async function takenPhones(
  db: Knex,
  organizationId: string,
  phones: readonly string[],
): Promise<string[]> {
  const rows = await queryRows<{ phone: string }>(
    db,
    sql.named(
      'contact.takenPhones',
    )`select p.phone from unnest(cast(${[...phones]} as text[])) with ordinality p(phone, position)
        where exists (select 1 from contact c
                      where c.organization_id = ${organizationId} and c.primary_phone = p.phone)
        order by p.position`,
  );
  return rows.map((row) => row.phone);
}

/** Whether a database error is the phone rule (contact_organization_phone_unique). */
export function isPhoneTaken(error: unknown): boolean {
  const { code, constraint } = error as { code?: unknown; constraint?: unknown };
  return code === '23505' && constraint === 'contact_organization_phone_unique';
}

/** One contact of the organization; undefined when there is none with that id. */
export async function findContact(
  db: Knex,
  organizationId: string,
  id: string,
): Promise<Contact | undefined> {
  const [contact] = await queryAs(
    db,
    CONTACT_ROW,
    sql.named('contact.byId')`select ${CONTACT_ROW.select('c')} from contact c
        where c.organization_id = ${organizationId} and c.id = ${id}`,
  );
  return contact;
}

/** The organization's contacts among these ids, in one statement. */
export async function findContactsByIds(
  db: Knex,
  organizationId: string,
  ids: readonly string[],
): Promise<Contact[]> {
  if (ids.length === 0) return [];
  return queryAs(
    db,
    CONTACT_ROW,
    sql.named('contact.byIds')`select ${CONTACT_ROW.select('c')} from contact c
        where c.organization_id = ${organizationId} and c.id = any(cast(${[...ids]} as uuid[]))`,
  );
}

// The CSV import's statements (contact-import.ts), on the import's own connection of the pool:
// COPY needs one. The same rules as the other contact writes: contacts locked in id order first,
// the phone rule, WRITE_TIME.

/**
 * Names the import for what the database records of its writes (event/event.sql): its contacts
 * are recorded as `contacts.imported` events of at most 1,000 ids, not one event a row.
 */
export async function nameImport(connection: ClientBase, importId: string): Promise<void> {
  await connection.query(
    nativeSql(
      sql.named(
        'contact.importName',
      )`select set_config('audience_gateway.import_id', ${importId}, true)`,
    ),
  );
}

/** The staging table the import's rows are copied into; it goes with the transaction. */
export async function createImportStaging(connection: ClientBase): Promise<void> {
  await connection.query(
    nativeSql(sql.named('contact.importStaging')`create temporary table contact_import (
      line int not null, first_name text not null, last_name text not null,
      primary_phone text not null, primary_email text, sms_consent consent_status,
      email_consent consent_status, contact_id uuid) on commit drop`),
  );
}

/**
 * The COPY that fills the staging table from CSV lines (line, first, last, phone, e-mail, SMS and
 * e-mail consent; an empty consent is none given).
 */
export const IMPORT_COPY =
  '/* contact.importCopy */ copy contact_import (line, first_name, last_name, primary_phone, primary_email, sms_consent, email_consent) from stdin with (format csv)';

/** Staged lines whose phone an earlier line has, with that line, in line order. */
export async function repeatedImportPhones(
  connection: ClientBase,
): Promise<{ line: number; primaryPhone: string; first: number }[]> {
  const { rows } = await connection.query<{ line: number; primaryPhone: string; first: number }>(
    nativeSql(sql.named(
      'contact.importRepeatedPhones',
    )`select line, primary_phone as "primaryPhone",
      first from (
        select line, primary_phone,
               first_value(line) over (partition by primary_phone order by line) as first
        from contact_import
      ) lines where line <> first order by line`),
  );
  return rows;
}

/** A contact created with a phone of the file while it was imported: import it again. */
export class ImportRaceError extends Error {
  constructor(readonly phones: number) {
    super(
      `${phones} contact${phones === 1 ? ' was' : 's were'} created with phones of this file while it was imported; nothing was imported, import it again`,
    );
    this.name = 'ImportRaceError';
  }
}

/** A range of the staged lines: after one line, through another. */
export interface LineRange {
  after: number;
  through: number;
}

/**
 * Readies the staged lines to be written a range at a time (upsertImportedLines): an index on
 * their line, built once they are all in.
 */
export async function indexImportLines(connection: ClientBase): Promise<void> {
  await connection.query(
    nativeSql(sql.named('contact.importIndex')`create index on contact_import (line)`),
  );
  // A temporary table has no statistics until it is analyzed: without them, a range of lines
  // looks like a few hundred rows, and each range joins by hashing every contact of the
  // organization instead of looking up its own.
  await connection.query(nativeSql(sql.named('contact.importAnalyze')`analyze contact_import`));
}

/**
 * Updates the contacts whose phone a staged line has: their names, e-mail and the consents the
 * line gives (when they differ). A consent left empty keeps the contact's; an e-mail left empty
 * removes it, and with it e-mail consent. The contacts are locked first, in id order, as every
 * writer of contacts locks them. One statement for the whole file: its join costs the file and the
 * organization once, where a range at a time would pay the organization again for every range.
 */
export async function updateImported(
  connection: ClientBase,
  organizationId: string,
  { afterLock }: { afterLock?: (connection: ClientBase) => Promise<void> } = {},
): Promise<number> {
  // Locked and noted on their lines: a line whose phone no contact had then is the insert's to
  // create, and any such phone a contact has by the insert is a race (insertImportedLines).
  await connection.query(
    nativeSql(sql.named('contact.importLock')`with locked as (
        select c.id, c.primary_phone from contact c
        join contact_import i on i.primary_phone = c.primary_phone
        where c.organization_id = ${organizationId} order by c.id for no key update of c
      )
      update contact_import i set contact_id = l.id from locked l
      where i.primary_phone = l.primary_phone`),
  );
  await afterLock?.(connection);
  const sms = sqlText(`coalesce(i.sms_consent, c.sms_consent)`);
  // An e-mail cell left empty removes the address, and with it e-mail consent (only where there
  // was an address: a contact without one keeps its e-mail consent, an opt-out say).
  const email = sqlText(
    `case when i.primary_email is null and c.primary_email is not null then 'NEVER_SUBSCRIBED' else coalesce(i.email_consent, c.email_consent) end`,
  );
  const imported = (status: Sql) => ({ status, source: ConsentSource.IMPORT });
  const changed = await connection.query(
    nativeSql(sql.named('contact.importUpdate')`update contact c
        set first_name = i.first_name, last_name = i.last_name, primary_email = i.primary_email,
            ${consentAssignments('sms', 'c', imported(sms))},
            ${consentAssignments('email', 'c', imported(email))},
            updated_at = ${WRITE_TIME}
        from contact_import i
        where c.organization_id = ${organizationId} and c.id = i.contact_id
          and (c.first_name, c.last_name, c.primary_email, c.sms_consent, c.email_consent)
              is distinct from (i.first_name, i.last_name, i.primary_email, ${sms}, ${email})`),
  );
  return changed.rowCount ?? 0;
}

/**
 * Creates a contact for each staged line of the range whose phone no contact had when the lines
 * were locked (after updateImported, whose triggers lock audiences before the organization's row:
 * the insert's then takes that row, the lock order of every contact write). A consent left empty
 * is NEVER_SUBSCRIBED. Returns the contacts created, the staged lines of the range, and the lines
 * whose phone another transaction took since the lock: the caller refuses the import for them.
 */
export async function insertImportedLines(
  connection: ClientBase,
  organizationId: string,
  { after, through }: LineRange,
): Promise<{ created: number; staged: number; raced: number }> {
  const lines = sql`i.line > ${after} and i.line <= ${through}`;
  const given = (column: string) =>
    sqlText(`coalesce(i.${column}, 'NEVER_SUBSCRIBED'), case when i.${column} <> 'NEVER_SUBSCRIBED' then clock_timestamp() end,
      case when i.${column} <> 'NEVER_SUBSCRIBED' then 'IMPORT'::consent_source end`);
  const { rows } = await connection.query<{ created: number; staged: number; raced: number }>(
    nativeSql(sql.named('contact.importInsert')`with fresh as (
        select i.* from contact_import i where ${lines} and i.contact_id is null
      ), created as (
        insert into contact (organization_id, first_name, last_name, primary_phone, primary_email,
          sms_consent, sms_consent_updated_at, sms_consent_source,
          email_consent, email_consent_updated_at, email_consent_source)
        select ${organizationId}, i.first_name, i.last_name, i.primary_phone, i.primary_email,
          ${given('sms_consent')}, ${given('email_consent')}
        from fresh i order by i.primary_phone
        -- A contact another transaction created with one of these phones since the lock step:
        -- counted below, and the import refused.
        on conflict (organization_id, primary_phone) do nothing
        returning 1
      )
      select (select count(*)::int from created) as created,
             (select count(*)::int from contact_import i where ${lines}) as staged,
             (select count(*)::int from fresh) - (select count(*)::int from created) as raced`),
  );
  return rows[0]!;
}

/** What an export reads: a page's search, sort and consent filter, without the page. */
export interface ContactExportQuery {
  search: SearchTerm | undefined;
  consent: ConsentFilter;
  sortBy: ContactSortField;
  sortOrder: SortOrder;
}

/**
 * The fields an export writes, as the import takes them back (contact-import.ts): an export
 * imported again changes nothing. `c` is a contact row.
 */
export const EXPORTED_CONTACT_COLUMNS =
  sqlText(`c.first_name as "firstName", c.last_name as "lastName",
  c.primary_phone as "primaryPhone", c.primary_email as "primaryEmail",
  c.sms_consent as "smsConsent", c.email_consent as "emailConsent"`);

/**
 * Every contact of the organization that a page with this search and consent filter lists, in
 * the page's order, as EXPORTED_CONTACT_COLUMNS: one statement, so one snapshot, whatever its size.
 */
export function contactExportStatement(organizationId: string, query: ContactExportQuery): Sql {
  const direction = sqlText(query.sortOrder === 'asc' ? 'asc' : 'desc');
  const column = sqlText(`c.${SORT_COLUMNS[query.sortBy]}`);
  const match = query.search
    ? searchTextMatches('c', query.search, CONTACT_SEARCH_FIELDS)
    : sqlText('true');
  return sql`select ${EXPORTED_CONTACT_COLUMNS} from contact c
    where c.organization_id = ${organizationId} and ${match} and ${consentMatches('c', query.consent)}
    order by ${column} ${direction}, c.id ${direction}`;
}
