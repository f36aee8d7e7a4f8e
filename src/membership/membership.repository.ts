import type { Knex } from '@mikro-orm/postgresql';
import type { AudienceSortField } from '../audience/audience.args';
import { AUDIENCE_ROW, AUDIENCE_SORT_COLUMNS } from '../audience/audience.repository';
import type { Audience } from '../audience/audience.type';
import type { PageWindow } from '../common/pagination';
import { type SearchTerm, searchTextMatches } from '../common/search';
import { CONTACT_SEARCH_FIELDS } from '../contact/contact.search';
import { searchedIds, searchPlan } from '../database/search-plan';
import type { SortOrder } from '../common/sorting';
import { ContactSortField } from '../contact/contact.args';
import {
  CONTACT_ROW,
  type ContactExportQuery,
  EXPORTED_CONTACT_COLUMNS,
} from '../contact/contact.repository';
import type { Contact } from '../contact/contact.type';
import { joinSql, type NamedSql, queryRows, type Sql, sql, sqlText } from '../database/sql';
import type { Actor } from '../organization/actor';
import type { ConsentFilter } from '../contact/consent.args';
import { consentMatches, hasConsentFilter } from '../contact/consent.columns';

/**
 * Memberships: which contacts are in which audience. A membership row carries its contact's sort
 * keys and search text (copies the database keeps, see AudienceMemberEntity), so that an
 * audience's members are sorted, skipped, searched and counted from the audience's own index
 * entries: the cost of a page follows the page and the audience, never the organization.
 */

/** The membership columns that copy each sort column of a contact. */
const SORT_COLUMNS: Record<ContactSortField, string> = {
  [ContactSortField.firstName]: 'first_name',
  [ContactSortField.lastName]: 'last_name',
  [ContactSortField.primaryPhone]: 'primary_phone',
  [ContactSortField.createdAt]: 'contact_created_at',
};

/**
 * Share-locks the organization's contacts among `contactIds`, in id order, and returns the ids
 * that are not its contacts, in request order. Every membership change takes this lock before its
 * audience's row lock, and a contact delete takes the contact's before its audiences': one order,
 * contacts then audiences, so that neither waits for the other in a cycle (a deadlock).
 */
export async function lockContacts(
  trx: Knex.Transaction,
  organizationId: string,
  contactIds: readonly string[],
): Promise<string[]> {
  const rows = await queryRows<{ id: string }>(
    trx,
    sql.named('membership.lockContacts')`select c.id from contact c
        where c.organization_id = ${organizationId} and c.id = any(cast(${[...contactIds]} as uuid[]))
        order by c.id for share`,
  );
  const found = new Set(rows.map((row) => row.id));
  return contactIds.filter((id) => !found.has(id));
}

/**
 * Adds the contacts to the audience in one statement. The caller has share-locked them and checked
 * that every one is the organization's (lockContacts), and holds the audience's row lock. Existing
 * members are skipped and rows go in id order, so that concurrent adds never deadlock. The
 * database counts the rows actually inserted into the audience's member count (and its search
 * pieces, see AudienceSearchGramEntity).
 */
export async function addMembers(
  trx: Knex.Transaction,
  actor: Actor,
  audienceId: string,
  contactIds: readonly string[],
): Promise<void> {
  await queryRows(
    trx,
    addMembersStatement(
      actor,
      audienceId,
      sql`c.id = any(cast(${[...contactIds]} as uuid[]))`,
    ).named('membership.add'),
  );
}

/**
 * Adds the contacts of the bulk import's staged rows (its `contact_import` table, by phone) to the
 * audience, as addMembers does, in the import's transaction on its own connection: the caller
 * holds the audience's row lock, and the import's contacts are locked or its own.
 */
export function addImportedMembersStatement(actor: Actor, audienceId: string): NamedSql {
  return addMembersStatement(
    actor,
    audienceId,
    sql`c.primary_phone in (select i.primary_phone from contact_import i)`,
  ).named('membership.addImported');
}

/**
 * Locks the bulk import's audience and every audience of the contacts its lines matched (their
 * `contact_id` in its staging table), in id order: the audiences its update's triggers would lock,
 * taken with its own before any of them, so that no lock of an audience comes after the
 * organization's row.
 */
export function lockImportAudiencesStatement(actor: Actor, audienceId: string): NamedSql {
  return sql.named('membership.lockImportAudiences')`select a.id from audience a
    where a.organization_id = ${actor.organizationId} and (a.id = ${audienceId} or a.id in (
      select ac.audience_id from audience_contact ac
      join contact_import i on i.contact_id = ac.contact_id))
    order by a.id for no key update`;
}

/** The one insert of memberships, with their copies of the contact's columns. */
function addMembersStatement(actor: Actor, audienceId: string, contacts: Sql): Sql {
  return sql`insert into audience_contact
          (audience_id, contact_id, added_by, first_name, last_name, primary_phone, contact_created_at,
           sms_consent, email_consent)
        select ${audienceId}, c.id, ${actor.userId}, c.first_name, c.last_name, c.primary_phone, c.created_at,
          c.sms_consent, c.email_consent
        from contact c
        where c.organization_id = ${actor.organizationId} and ${contacts}
        order by c.id
        on conflict do nothing`;
}

/**
 * Takes the contacts out of the audience in one statement, under the same locks as addMembers.
 * Contacts that are not members are no error; the database takes the removed rows out of the
 * member count and the search pieces (membership_removed).
 */
export async function removeMembers(
  trx: Knex.Transaction,
  _actor: Actor,
  audienceId: string,
  contactIds: readonly string[],
): Promise<void> {
  await queryRows(
    trx,
    sql.named('membership.remove')`delete from audience_contact
        where audience_id = ${audienceId} and contact_id = any(cast(${[...contactIds]} as uuid[]))`,
  );
}

/**
 * Members of each audience that match a search and a consent filter, counted in one grouped
 * statement from the memberships alone. (Without a search, an audience's member count and its
 * subscribed and unsubscribed counts are kept on its row: see matchesKept.)
 * - A term of one or two characters, without a consent filter, is a look-up of the counts the
 *   database keeps per audience and search piece (AudienceSearchGramEntity).
 * - A term with a trigram is counted from the trigram index by count_members_matching
 *   (membership.sql), whose cost follows the matches.
 * - Anything else (such as `a-b`, a search with a consent filter, or a filter on both channels)
 *   reads the audience's memberships, at a cost that follows the audience.
 */
export async function countMatchingMembers(
  db: Knex,
  audienceIds: readonly string[],
  search: SearchTerm | undefined,
  consent: ConsentFilter,
): Promise<Map<string, number>> {
  const ids = [...audienceIds];
  const filtered = hasConsentFilter(consent);
  let statement: NamedSql;
  if (search?.piece !== undefined && !filtered) {
    statement = sql.named(
      'membership.countPiece',
    )`select audience_id as "audienceId", members as total from audience_search_gram
                    where audience_id = any(cast(${ids} as uuid[])) and gram = lower(${search.piece})`;
  } else if (search?.trigram) {
    statement = sql.named('membership.countTrigram')`select audience_id as "audienceId", total
                    from count_members_matching(cast(${ids} as uuid[]), ${search.pattern},
                      cast(${consent.sms ?? null} as consent_status), cast(${consent.email ?? null} as consent_status))`;
  } else {
    const match = search ? searchTextMatches('ac', search, CONTACT_SEARCH_FIELDS) : sql`true`;
    statement = sql.named(
      'membership.countScan',
    )`select ac.audience_id as "audienceId", count(*)::int as total
                    from audience_contact ac
                    where ac.audience_id = any(cast(${ids} as uuid[])) and ${match}
                      and ${consentMatches('ac', consent)}
                    group by ac.audience_id`;
  }
  const counted = await queryRows<{ audienceId: string; total: number }>(db, statement);
  return new Map(counted.map((row) => [row.audienceId, row.total]));
}

/** One audience whose members a page is read from, with its member count and search matches. */
export interface MemberScope {
  audienceId: string;
  /** All its members (the count kept on the audience). */
  members: number;
  /** Its members that match the search: the page's total; `members` without a search. */
  matches: number;
}

export interface MembersQuery {
  search: SearchTerm | undefined;
  consent: ConsentFilter;
  sortBy: ContactSortField;
  sortOrder: SortOrder;
  limit: number;
  offset: number;
  /** For cursor pages: the last row of the previous page, its sort value (as text) and id. */
  after?: { value: string; id: string };
}

/**
 * A page of members for each audience, in one statement: a UNION ALL of one branch per audience,
 * so that each is planned with its own id. A branch finds the page's contact ids from the
 * memberships alone (an index-only scan of the sort key's index skips 100,000 entries in
 * milliseconds), then reads those few contacts. Audiences whose page lies past their last match
 * cost no branch at all.
 */
export async function findMembers(
  db: Knex,
  organizationId: string,
  scopes: readonly MemberScope[],
  query: MembersQuery,
): Promise<Map<string, Contact[]>> {
  const members = new Map<string, Contact[]>(scopes.map((scope) => [scope.audienceId, []]));
  const branches: Sql[] = [];
  for (const scope of scopes) {
    if (scope.matches === 0 || (query.after === undefined && query.offset >= scope.matches)) {
      continue;
    }
    // Numbered outside the ordered, limited ids, since UNION ALL and the join promise no order.
    branches.push(sql`(select cast(${scope.audienceId} as uuid) as "audienceId",
        ${CONTACT_ROW.select('c')}, page.position
      from (select ids.contact_id, row_number() over () as position
            from (${memberIds(scope, query)}) ids) page
      join contact c on c.id = page.contact_id and c.organization_id = ${organizationId})`);
  }
  if (branches.length === 0) return members;
  const rows = await queryRows<Record<string, unknown> & { audienceId: string; position: string }>(
    db,
    joinSql(branches, ' union all ').named('membership.page'),
  );
  rows.sort((a, b) => Number(a.position) - Number(b.position));
  for (const row of rows) members.get(row.audienceId)?.push(CONTACT_ROW.read(row));
  return members;
}

/** The ordered, limited contact ids of one audience's page. */
function memberIds(scope: MemberScope, query: MembersQuery): Sql {
  const column = sqlText(`ac.${SORT_COLUMNS[query.sortBy]}`);
  const direction = query.sortOrder === 'asc' ? 'asc' : 'desc';
  const order = sql`order by ${column} ${sqlText(direction)}, ac.contact_id ${sqlText(direction)}
    limit ${query.limit} offset ${query.offset}`;
  const valueType = sqlText(query.sortBy === ContactSortField.createdAt ? 'timestamptz' : 'text');
  const keyset = query.after
    ? sql`and (${column}, ac.contact_id) ${sqlText(direction === 'asc' ? '>' : '<')}
          (cast(${query.after.value} as ${valueType}), cast(${query.after.id} as uuid))`
    : sql``;
  const filtered = hasConsentFilter(query.consent);
  if (!query.search && !filtered) {
    return sql`select ac.contact_id from audience_contact ac
               where ac.audience_id = ${scope.audienceId} ${keyset} ${order}`;
  }
  // No index holds a status (a consent change stays a HOT update): a consent filter alone walks
  // the sort index, reading the status from each row, (offset + limit) × rows / matches of them.
  const plan = searchPlan({
    rows: scope.members,
    matches: scope.matches,
    offset: query.offset,
    limit: query.limit,
    trigram: query.search?.trigram ?? false,
  });
  const match = query.search
    ? searchTextMatches('ac', query.search, CONTACT_SEARCH_FIELDS, { unindexed: plan === 'walk' })
    : sql`true`;
  return searchedIds(
    plan,
    sql`select ac.contact_id, ${column} from audience_contact ac
        where ac.audience_id = ${scope.audienceId} and ${match}
          and ${consentMatches('ac', query.consent)} ${keyset}`,
    'ac',
    order,
  );
}

/** The live audiences of each contact, a page and a total per contact. */
export interface ContactAudiences {
  total: number;
  audiences: Audience[];
}

/**
 * A page of the live audiences each contact is a member of, and how many there are, for many
 * contacts of one organization in one statement (a page of contacts each showing its audiences).
 */
export async function findContactAudiences(
  db: Knex,
  organizationId: string,
  contactIds: readonly string[],
  query: { sortBy: AudienceSortField; sortOrder: SortOrder; window: PageWindow },
): Promise<Map<string, ContactAudiences>> {
  const direction = sqlText(query.sortOrder === 'asc' ? 'asc' : 'desc');
  const column = sqlText(`a.${AUDIENCE_SORT_COLUMNS[query.sortBy]}`);
  const order = sql`order by ${column} ${direction}, a.id ${direction}`;
  const memberOf = sql`from audience_contact ac join audience a on a.id = ac.audience_id
    where ac.contact_id = k.contact_id and a.organization_id = ${organizationId}
      and a.deleted_at is null`;
  const rows = await queryRows<
    Record<string, unknown> & { contactId: string; total: number; id: string | null }
  >(
    db,
    sql.named('membership.contactAudiences')`select k.contact_id as "contactId", t.total, p.*
        from unnest(cast(${[...new Set(contactIds)]} as uuid[])) k(contact_id)
        cross join lateral (select count(*)::int as total ${memberOf}) t
        left join lateral (
          select ${AUDIENCE_ROW.select('a')}, row_number() over (${order}) as position
          ${memberOf} ${order} limit ${query.window.limit} offset ${query.window.offset}
        ) p on true
        order by p.position`,
  );
  const found = new Map<string, ContactAudiences>(
    contactIds.map((id) => [id, { total: 0, audiences: [] }]),
  );
  for (const row of rows) {
    const entry = found.get(row.contactId)!;
    entry.total = row.total;
    if (row.id !== null) entry.audiences.push(AUDIENCE_ROW.read(row));
  }
  return found;
}

/**
 * The members of one audience that its pages list with this search and consent filter, in a
 * page's order, as an export writes them (EXPORTED_CONTACT_COLUMNS): one statement, one
 * snapshot. Sorted, searched and filtered on the memberships' own copies, as the pages are.
 */
export function memberExportStatement(
  organizationId: string,
  audienceId: string,
  query: ContactExportQuery,
): Sql {
  const direction = sqlText(query.sortOrder === 'asc' ? 'asc' : 'desc');
  const column = sqlText(`ac.${SORT_COLUMNS[query.sortBy]}`);
  const match = query.search
    ? searchTextMatches('ac', query.search, CONTACT_SEARCH_FIELDS)
    : sql`true`;
  return sql`select ${EXPORTED_CONTACT_COLUMNS} from audience_contact ac
    join contact c on c.id = ac.contact_id and c.organization_id = ${organizationId}
    where ac.audience_id = ${audienceId} and ${match} and ${consentMatches('ac', query.consent)}
    order by ${column} ${direction}, ac.contact_id ${direction}`;
}
