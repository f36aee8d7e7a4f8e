import type { Knex } from '@mikro-orm/postgresql';
import type { PageWindow } from '../common/pagination';
import { type SearchTerm, searchTextMatches } from '../common/search';
import { AUDIENCE_SEARCH_FIELDS } from './audience.search';
import type { SortOrder } from '../common/sorting';
import {
  WRITE_TIME,
  joinSql,
  queryAs,
  queryRows,
  RowShape,
  type Sql,
  sql,
  sqlText,
  type NamedSql,
} from '../database/sql';
import type { Actor } from '../organization/actor';
import { AudienceSortField } from './audience.args';
import type { Audience } from './audience.type';

export const AUDIENCE_SORT_COLUMNS: Record<AudienceSortField, string> = {
  [AudienceSortField.name]: 'name',
  [AudienceSortField.createdAt]: 'created_at',
  [AudienceSortField.updatedAt]: 'updated_at',
};

/**
 * An audience as its table holds it, each column named after its field of `Audience`. The stored
 * search text stays in the database.
 */
export const AUDIENCE_ROW = new RowShape<Audience>({
  id: 'id',
  organizationId: 'organization_id',
  name: 'name',
  description: 'description',
  createdAt: { timestamp: 'created_at' },
  updatedAt: { timestamp: 'updated_at' },
  deletedAt: { timestamp: 'deleted_at' },
  createdBy: 'created_by',
  updatedBy: 'updated_by',
  deletedBy: 'deleted_by',
  contactCount: 'contact_count',
  smsSubscribedCount: 'sms_subscribed_count',
  smsUnsubscribedCount: 'sms_unsubscribed_count',
  emailSubscribedCount: 'email_subscribed_count',
  emailUnsubscribedCount: 'email_unsubscribed_count',
});

export interface AudienceQuery {
  search: SearchTerm | undefined;
  sortBy: AudienceSortField;
  sortOrder: SortOrder;
  window: PageWindow;
}

/** The live (not deleted) audiences of an organization, optionally matching a search. */
function liveAudiences(alias: string, organizationId: string, search: SearchTerm | undefined): Sql {
  const a = sqlText(alias);
  const live = sql`${a}.organization_id = ${organizationId} and ${a}.deleted_at is null`;
  return search === undefined
    ? live
    : sql`${live} and ${searchTextMatches(alias, search, AUDIENCE_SEARCH_FIELDS)}`;
}

/**
 * How a page's rows are read. Near the start of the list, straight from the sort column's index:
 * the rows it passes are few. Further in, the page's ids come from that index alone first
 * (skipping thousands of entries of an index-only scan is cheap, reading thousands of rows is
 * not), then their rows; below DIRECT_READ_MAX_OFFSET that detour costs more than it saves (it
 * doubled the database's work for page 1).
 */
export type PageRead = 'direct' | 'by ids';
const DIRECT_READ_MAX_OFFSET = 200;

export function pageReadFor(window: PageWindow): PageRead {
  return window.offset < DIRECT_READ_MAX_OFFSET ? 'direct' : 'by ids';
}

/**
 * A page of live audiences and how many match in all, in one statement: the total, joined
 * laterally to the page, so that a page past the end still brings the total.
 */
export function audiencePageQuery(
  organizationId: string,
  { search, sortBy, sortOrder, window }: AudienceQuery,
  read: PageRead = pageReadFor(window),
): Sql {
  // Without a search, every live audience counts: the number the audience triggers keep.
  const count =
    search === undefined
      ? sql`select (select audiences from organization_audience_count
                    where organization_id = ${organizationId}) as total`
      : sql`select count(*) as total from audience a
            where ${liveAudiences('a', organizationId, search)}`;
  const direction = sqlText(sortOrder === 'asc' ? 'asc' : 'desc');
  const inOrder = (alias: string) => {
    const a = sqlText(alias);
    return sql`order by ${a}.${sqlText(AUDIENCE_SORT_COLUMNS[sortBy])} ${direction}, ${a}.id ${direction}`;
  };
  const bounds = sql`limit ${window.limit} offset ${window.offset}`;
  const page =
    read === 'direct'
      ? sql`select ${AUDIENCE_ROW.select('a')} from audience a
            where ${liveAudiences('a', organizationId, search)} ${inOrder('a')} ${bounds}`
      : sql`select ${AUDIENCE_ROW.select('audience')}
            from (select a.id from audience a
                  where ${liveAudiences('a', organizationId, search)} ${inOrder('a')} ${bounds}) ids
            join audience on audience.id = ids.id ${inOrder('audience')}`;
  return sql`select counted.total, page.* from (${count}) counted
             left join lateral (${page}) page on true`;
}

export async function findAudiencePage(
  db: Knex,
  organizationId: string,
  query: AudienceQuery,
): Promise<{ audiences: Audience[]; total: number }> {
  const rows = await queryRows<{ total: string | null; id: string | null }>(
    db,
    audiencePageQuery(organizationId, query).named('audience.page'),
  );
  return {
    total: Number(rows[0]?.total ?? 0),
    audiences: rows.filter((row) => row.id !== null).map((row) => AUDIENCE_ROW.read(row)),
  };
}

export async function findAudience(
  db: Knex,
  organizationId: string,
  id: string,
): Promise<Audience | undefined> {
  const [audience] = await queryAs(
    db,
    AUDIENCE_ROW,
    sql.named('audience.byId')`select ${AUDIENCE_ROW.select('a')} from audience a
        where ${liveAudiences('a', organizationId, undefined)} and a.id = ${id}`,
  );
  return audience;
}

/** The live audiences of the organization among these ids, in one statement. */
export async function findAudiencesByIds(
  db: Knex,
  organizationId: string,
  ids: readonly string[],
): Promise<Audience[]> {
  if (ids.length === 0) return [];
  return queryAs(
    db,
    AUDIENCE_ROW,
    sql.named('audience.byIds')`select ${AUDIENCE_ROW.select('a')} from audience a
        where ${liveAudiences('a', organizationId, undefined)} and a.id = any(cast(${[...ids]} as uuid[]))`,
  );
}

export async function insertAudience(
  db: Knex,
  actor: Actor,
  values: { name: string; description: string | null },
): Promise<Audience> {
  const [audience] = await queryAs(
    db,
    AUDIENCE_ROW,
    sql.named(
      'audience.insert',
    )`insert into audience as a (organization_id, name, description, created_by, updated_by)
        values (${actor.organizationId}, ${values.name}, ${values.description}, ${actor.userId}, ${actor.userId})
        returning ${AUDIENCE_ROW.select('a')}`,
  );
  return audience!;
}

/** Applies changes to a live audience in one statement; undefined when there is none to change. */
export async function updateAudience(
  db: Knex,
  actor: Actor,
  id: string,
  changes: { name?: string; description?: string | null },
): Promise<Audience | undefined> {
  const assignments = [
    ...(changes.name !== undefined ? [sql`name = ${changes.name}`] : []),
    ...(changes.description !== undefined ? [sql`description = ${changes.description}`] : []),
    sql`updated_at = ${WRITE_TIME}`,
    sql`updated_by = ${actor.userId}`,
  ];
  const [audience] = await queryAs(
    db,
    AUDIENCE_ROW,
    sql.named('audience.update')`update audience a set ${joinSql(assignments, ', ')}
        where ${liveAudiences('a', actor.organizationId, undefined)} and a.id = ${id}
        returning ${AUDIENCE_ROW.select('a')}`,
  );
  return audience;
}

/** Marks a live audience deleted in one statement; undefined when there is none to delete. */
export async function softDeleteAudience(
  db: Knex,
  actor: Actor,
  id: string,
): Promise<Audience | undefined> {
  const [audience] = await queryAs(
    db,
    AUDIENCE_ROW,
    sql.named(
      'audience.softDelete',
    )`update audience a set deleted_at = ${WRITE_TIME}, deleted_by = ${actor.userId}
        where ${liveAudiences('a', actor.organizationId, undefined)} and a.id = ${id}
        returning ${AUDIENCE_ROW.select('a')}`,
  );
  return audience;
}

/**
 * Locks a live audience for the rest of the transaction, so that it is not deleted meanwhile and
 * concurrent adds to it update its contact count one after the other; false when there is none.
 */
export async function lockLiveAudience(
  trx: Knex.Transaction,
  actor: Actor,
  id: string,
): Promise<boolean> {
  const locked = await queryRows(trx, lockLiveAudienceStatement(actor, id));
  return locked.length > 0;
}

/** lockLiveAudience's statement, for a connection of its own (the bulk import's): a row if live. */
export function lockLiveAudienceStatement(actor: Actor, id: string): NamedSql {
  return sql.named('audience.lockLive')`select a.id from audience a
        where ${liveAudiences('a', actor.organizationId, undefined)} and a.id = ${id}
        for no key update`;
}
