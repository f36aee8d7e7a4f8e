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
