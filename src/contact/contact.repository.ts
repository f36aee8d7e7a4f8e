import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../common/timestamps';
import type { PageWindow } from '../common/pagination';
import { CONTACT_SEARCH_FIELDS, type SearchTerm, searchTextMatches } from '../common/search';
import { searchedIds, searchPlan } from '../common/search-plan';
import type { SortOrder } from '../common/sorting';
import { ContactSortField } from './contact.args';
import type { CreateContactInput } from './contact.input';
import type { Contact } from './contact.type';

const SORT_COLUMNS: Record<ContactSortField, string> = {
  [ContactSortField.firstName]: 'first_name',
  [ContactSortField.lastName]: 'last_name',
  [ContactSortField.primaryPhone]: 'primary_phone',
  [ContactSortField.createdAt]: 'created_at',
};

// What a contact row gives a client; the stored search text and pieces stay in the database.
const FIELDS = [
  'id',
  'organization_id',
  'first_name',
  'last_name',
  'primary_phone',
  'primary_email',
  'created_at',
  'updated_at',
] as const;
export const CONTACT_COLUMNS = FIELDS.map((field) => `c.${field}`).join(', ');

export interface ContactRow {
  id: string;
  organization_id: string;
  first_name: string;
  last_name: string;
  primary_phone: string;
  primary_email: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

export interface ContactQuery {
  search: SearchTerm | undefined;
  sortBy: ContactSortField;
  sortOrder: SortOrder;
  window: PageWindow;
}

export function toContact(row: ContactRow): Contact {
  return {
    id: row.id,
    organizationId: row.organization_id,
    firstName: row.first_name,
    lastName: row.last_name,
    primaryPhone: row.primary_phone,
    primaryEmail: row.primary_email,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
  };
}

/** How many contacts the organization has, and how many of them match the search. */
export interface ContactCounts {
  contacts: number;
  matches: number;
}

/**
 * The organization's contact count and the search's matches, in one statement that reads no
 * contact unless it must: the count is kept on the organization, a one- or two-letter term's
 * matches in organization_search_gram, and a term with a trigram is counted from the trigram index
 * (count_contacts_matching, migration 20261127090000).
 */
export async function countContacts(
  db: Knex,
  organizationId: string,
  search: SearchTerm | undefined,
): Promise<ContactCounts> {
  let matches = 'o.contact_count';
  let bindings: string[] = [];
  if (search?.piece !== undefined) {
    matches = `coalesce((select s.contacts from organization_search_gram s
      where s.organization_id = o.id and s.gram = lower(?)), 0)`;
    bindings = [search.piece];
  } else if (search?.trigram) {
    matches = 'count_contacts_matching(o.id, ?)';
    bindings = [search.pattern];
  } else if (search) {
    const [match, matchBindings] = searchTextMatches('c', search, CONTACT_SEARCH_FIELDS);
    matches = `(select count(*)::int from contact c where c.organization_id = o.id and ${match})`;
    bindings = matchBindings;
  }
  const { rows } = await db.raw<{ rows: ContactCounts[] }>(
    `select o.contact_count as contacts, ${matches} as matches from organization o where o.id = ?`,
    [...bindings, organizationId],
  );
  return rows[0] ?? { contacts: 0, matches: 0 };
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
  const direction = query.sortOrder === 'asc' ? 'asc' : 'desc';
  const column = `c.${SORT_COLUMNS[query.sortBy]}`;
  const order = `order by ${column} ${direction}, c.id ${direction} limit ? offset ?`;
  let ids = `select c.id from contact c where c.organization_id = ? ${order}`;
  let bindings: string[] = [];
  if (query.search) {
    const plan = searchPlan({
      rows: counts.contacts,
      matches: counts.matches,
      ...query.window,
      trigram: query.search.trigram,
    });
    const [match, matchBindings] = searchTextMatches('c', query.search, CONTACT_SEARCH_FIELDS, {
      unindexed: plan === 'walk',
    });
    bindings = matchBindings;
    ids = searchedIds(
      plan,
      `select c.id, ${column} from contact c where c.organization_id = ? and ${match}`,
      'c',
      order,
    );
  }
  const { rows } = await db.raw<{ rows: ContactRow[] }>(
    `select ${CONTACT_COLUMNS} from (
       select c.id, row_number() over () as position from (${ids}) c
     ) page join contact c on c.id = page.id order by page.position`,
    [organizationId, ...bindings, query.window.limit, query.window.offset],
  );
  return rows.map(toContact);
}

/** The sort column's value as a cursor carries it: text, timestamps in ISO 8601. */
export function sortValueOf(contact: Contact, sortBy: ContactSortField): string {
  const value = contact[sortBy];
  return value instanceof Date ? value.toISOString() : value;
}

/** Inserts the contacts in one statement; a phone the organization has fails it (23505). */
export async function insertContacts(
  db: Knex,
  organizationId: string,
  inputs: readonly CreateContactInput[],
): Promise<Contact[]> {
  if (inputs.length === 0) return [];
  const rows = await db('contact')
    .insert(
      inputs.map((input) => ({
        organization_id: organizationId,
        first_name: input.firstName,
        last_name: input.lastName,
        primary_phone: input.primaryPhone,
        primary_email: input.primaryEmail ?? null,
      })),
    )
    .returning(FIELDS);
  return (rows as ContactRow[]).map(toContact);
}

/** What an update sets; undefined keeps a field, a null e-mail removes it. */
export interface ContactChanges {
  firstName?: string;
  lastName?: string;
  primaryPhone?: string;
  primaryEmail?: string | null;
}

/**
 * Changes the contact, unless nothing would change: a write only when a value differs, so that
 * updatedAt keeps naming the last real change. Undefined when the organization has no such
 * contact; the contact as it is when nothing changed.
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
  if (set.length === 0) return findContact(db, organizationId, id);
  const assignments = set.map(([column]) => `${column} = ?`).join(', ');
  const differs = set.map(([column]) => `${column} is distinct from ?`).join(' or ');
  const values = set.map(([, value]) => value as string | null);
  const { rows } = await db.raw<{ rows: ContactRow[] }>(
    `update contact c set ${assignments}, updated_at = now()
     where c.organization_id = ? and c.id = ? and (${differs})
     returning ${CONTACT_COLUMNS}`,
    [...values, organizationId, id, ...values],
  );
  // Nothing changed (or no such contact): the contact as it stands now.
  return rows[0] ? toContact(rows[0]) : findContact(db, organizationId, id);
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
  const locked = await trx.raw<{ rows: unknown[] }>(
    'select 1 from contact where organization_id = ? and id = ? for update',
    [organizationId, id],
  );
  if (locked.rows.length === 0) return undefined;
  await trx.raw(
    `select 1 from audience a
     where a.id in (select ac.audience_id from audience_contact ac where ac.contact_id = ?)
     order by a.id for no key update`,
    [id],
  );
  const { rows } = await trx.raw<{ rows: ContactRow[] }>(
    `delete from contact c where c.organization_id = ? and c.id = ? returning ${CONTACT_COLUMNS}`,
    [organizationId, id],
  );
  return rows[0] && toContact(rows[0]);
}

/** Which of these phones the organization's contacts have, in the order given. */
export async function takenPhones(
  db: Knex,
  organizationId: string,
  phones: readonly string[],
): Promise<string[]> {
  const { rows } = await db.raw<{ rows: { phone: string }[] }>(
    `select p.phone from unnest(cast(? as text[])) with ordinality p(phone, position)
     where exists (select 1 from contact c where c.organization_id = ? and c.primary_phone = p.phone)
     order by p.position`,
    [[...phones], organizationId],
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
  const { rows } = await db.raw<{ rows: ContactRow[] }>(
    `select ${CONTACT_COLUMNS} from contact c where c.organization_id = ? and c.id = ?`,
    [organizationId, id],
  );
  return rows[0] && toContact(rows[0]);
}

/** The organization's contacts among these ids, in one statement. */
export async function findContactsByIds(
  db: Knex,
  organizationId: string,
  ids: readonly string[],
): Promise<Contact[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.raw<{ rows: ContactRow[] }>(
    `select ${CONTACT_COLUMNS} from contact c
     where c.organization_id = ? and c.id = any(cast(? as uuid[]))`,
    [organizationId, [...ids]],
  );
  return rows.map(toContact);
}
