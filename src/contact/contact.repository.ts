import type { Knex } from '@mikro-orm/postgresql';
import { toDate } from '../common/timestamps';
import type { PageWindow } from '../common/pagination';
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

const COLUMNS =
  'c.id, c.organization_id, c.first_name, c.last_name, c.primary_phone, c.primary_email, c.created_at, c.updated_at';

interface ContactRow {
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
  /** An ILIKE pattern (see containsPattern), or undefined for all contacts. */
  pattern: string | undefined;
  sortBy: ContactSortField;
  sortOrder: SortOrder;
  window: PageWindow;
}

function toContact(row: ContactRow): Contact {
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

/** `and (…)` restricting contact `c` to a search pattern, with its bindings. */
function searchClause(pattern: string | undefined): [string, string[]] {
  if (pattern === undefined) return ['', []];
  return [
    'and (c.first_name ilike ? or c.last_name ilike ? or c.primary_phone ilike ?)',
    [pattern, pattern, pattern],
  ];
}

/** ORDER BY for contact `c`: the sort column, then id, both in the asked direction. */
function orderClause({ sortBy, sortOrder }: ContactQuery): string {
  const direction = sortOrder === 'asc' ? 'asc' : 'desc';
  return `c.${SORT_COLUMNS[sortBy]} ${direction}, c.id ${direction}`;
}

export async function countContacts(
  db: Knex,
  organizationId: string,
  pattern: string | undefined,
): Promise<number> {
  const [search, bindings] = searchClause(pattern);
  const { rows } = await db.raw<{ rows: { total: number }[] }>(
    `select count(*)::int as total from contact c where c.organization_id = ? ${search}`,
    [organizationId, ...bindings],
  );
  return rows[0]?.total ?? 0;
}

export async function findContacts(
  db: Knex,
  organizationId: string,
  query: ContactQuery,
): Promise<Contact[]> {
  const [search, bindings] = searchClause(query.pattern);
  const { rows } = await db.raw<{ rows: ContactRow[] }>(
    `select ${COLUMNS} from contact c where c.organization_id = ? ${search}
     order by ${orderClause(query)} limit ? offset ?`,
    [organizationId, ...bindings, query.window.limit, query.window.offset],
  );
  return rows.map(toContact);
}

/**
 * Members of each audience that match a search, counted in one grouped statement. (Without a
 * search, an audience's member count is kept on its row.)
 */
export async function countMatchingMembers(
  db: Knex,
  audienceIds: readonly string[],
  pattern: string,
): Promise<Map<string, number>> {
  const [search, bindings] = searchClause(pattern);
  const { rows } = await db.raw<{ rows: { audience_id: string; total: number }[] }>(
    `select ac.audience_id, count(*)::int as total
     from audience_contact ac join contact c on c.id = ac.contact_id
     where ac.audience_id = any(cast(? as uuid[])) ${search} group by ac.audience_id`,
    [[...audienceIds], ...bindings],
  );
  return new Map(rows.map((row) => [row.audience_id, row.total]));
}

export interface MembersQuery {
  /** An ILIKE pattern (see containsPattern), or undefined for all members. */
  pattern: string | undefined;
  sortBy: ContactSortField;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
  /** For cursor pages: the last row of the previous page, its sort value (as text) and id. */
  after?: { value: string; id: string };
}

/** The sort column's value as a cursor carries it: text, timestamps in ISO 8601. */
export function sortValueOf(contact: Contact, sortBy: ContactSortField): string {
  const value = contact[sortBy];
  return value instanceof Date ? value.toISOString() : value;
}

/**
 * A page of members for each audience, in one statement: a UNION ALL of one branch per audience,
 * so that PostgreSQL plans each with its own id and size. Contacts are read in the order of the
 * sort column's index and kept when they are members (a primary-key probe): for a large audience
 * the first page reads a few dozen rows instead of sorting every member, and a cursor page (after)
 * starts its walk at the cursor, so it costs the same however deep it is.
 */
export async function findMembers(
  db: Knex,
  organizationId: string,
  audienceIds: readonly string[],
  query: MembersQuery,
): Promise<Map<string, Contact[]>> {
  const column = `c.${SORT_COLUMNS[query.sortBy]}`;
  const direction = query.sortOrder === 'asc' ? 'asc' : 'desc';
  const order = `${column} ${direction}, c.id ${direction}`;
  const [search, searchBindings] = searchClause(query.pattern);
  const valueType = query.sortBy === ContactSortField.createdAt ? 'timestamptz' : 'text';
  const keyset = query.after
    ? `and (${column}, c.id) ${direction === 'asc' ? '>' : '<'} (cast(? as ${valueType}), cast(? as uuid))`
    : '';
  // Each branch numbers its rows, since UNION ALL promises no order; numbered outside the ordered,
  // limited page, because a window over the page's own query would make it sort every member.
  const branch = `(select page.*, row_number() over () as position from (
      select cast(? as uuid) as audience_id, ${COLUMNS}
      from contact c
      where c.organization_id = ?
        and exists (select 1 from audience_contact ac where ac.audience_id = cast(? as uuid) and ac.contact_id = c.id)
        ${search} ${keyset}
      order by ${order} limit ? offset ?
    ) page)`;
  const bindings = audienceIds.flatMap((audienceId) => [
    audienceId,
    organizationId,
    audienceId,
    ...searchBindings,
    ...(query.after ? [query.after.value, query.after.id] : []),
    query.limit,
    query.offset,
  ]);
  const { rows } = await db.raw<{
    rows: (ContactRow & { audience_id: string; position: string })[];
  }>(audienceIds.map(() => branch).join(' union all '), bindings);
  rows.sort((a, b) => Number(a.position) - Number(b.position));
  const members = new Map<string, Contact[]>(audienceIds.map((id) => [id, []]));
  for (const row of rows) members.get(row.audience_id)?.push(toContact(row));
  return members;
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
