import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../common/timestamps';
import type { PageWindow } from '../common/pagination';
import { CONTACT_SEARCH_FIELDS, type SearchTerm, searchTextMatches } from '../common/search';
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

export const CONTACT_COLUMNS =
  'c.id, c.organization_id, c.first_name, c.last_name, c.primary_phone, c.primary_email, c.created_at, c.updated_at';

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

/** `and …` restricting contact `c` to a search, with its bindings. */
function searchClause(search: SearchTerm | undefined): [string, string[]] {
  if (search === undefined) return ['', []];
  const [match, bindings] = searchTextMatches('c', search, CONTACT_SEARCH_FIELDS);
  return [`and ${match}`, bindings];
}

export async function countContacts(
  db: Knex,
  organizationId: string,
  search: SearchTerm | undefined,
): Promise<number> {
  const [clause, bindings] = searchClause(search);
  const { rows } = await db.raw<{ rows: { total: number }[] }>(
    `select count(*)::int as total from contact c where c.organization_id = ? ${clause}`,
    [organizationId, ...bindings],
  );
  return rows[0]?.total ?? 0;
}

/**
 * A page of contacts: the page's ids first, from the sort column's index alone (skipping 100,000
 * entries of an index-only scan costs milliseconds, reading 100,000 rows does not), then the rows.
 */
export async function findContacts(
  db: Knex,
  organizationId: string,
  query: ContactQuery,
): Promise<Contact[]> {
  const [clause, bindings] = searchClause(query.search);
  const direction = query.sortOrder === 'asc' ? 'asc' : 'desc';
  const column = `c.${SORT_COLUMNS[query.sortBy]}`;
  const { rows } = await db.raw<{ rows: ContactRow[] }>(
    `select ${CONTACT_COLUMNS} from (
       select c.id, row_number() over () as position from (
         select c.id from contact c where c.organization_id = ? ${clause}
         order by ${column} ${direction}, c.id ${direction} limit ? offset ?
       ) c
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
    .returning('*');
  return (rows as ContactRow[]).map(toContact);
}
