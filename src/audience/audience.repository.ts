import type { Knex } from '@mikro-orm/postgresql';
import { CompiledStatements } from '../database/compiled-statements';
import { toDate, toDateOrNull } from '../common/timestamps';
import type { PageWindow } from '../common/pagination';
import { AUDIENCE_SEARCH_FIELDS, type SearchTerm, searchTextMatches } from '../common/search';
import type { SortOrder } from '../common/sorting';
import type { Actor } from '../organization/actor';
import { AudienceSortField } from './audience.args';
import type { Audience } from './audience.type';

export const AUDIENCE_SORT_COLUMNS: Record<AudienceSortField, string> = {
  [AudienceSortField.name]: 'name',
  [AudienceSortField.createdAt]: 'created_at',
  [AudienceSortField.updatedAt]: 'updated_at',
};

// What an audience row gives a client; the stored search text stays in the database.
export const AUDIENCE_FIELDS = [
  'id',
  'organization_id',
  'name',
  'description',
  'created_at',
  'updated_at',
  'deleted_at',
  'created_by',
  'updated_by',
  'deleted_by',
  'contact_count',
] as const;

export interface AudienceRow {
  id: string;
  organization_id: string;
  name: string;
  description: string | null;
  created_at: Date | string;
  updated_at: Date | string;
  deleted_at: Date | string | null;
  created_by: string | null;
  updated_by: string | null;
  deleted_by: string | null;
  contact_count: number;
}

export interface AudienceQuery {
  search: SearchTerm | undefined;
  sortBy: AudienceSortField;
  sortOrder: SortOrder;
  window: PageWindow;
}

export function toAudience(row: AudienceRow): Audience {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    description: row.description,
    createdAt: toDate(row.created_at),
    updatedAt: toDate(row.updated_at),
    deletedAt: toDateOrNull(row.deleted_at),
    createdBy: row.created_by,
    updatedBy: row.updated_by,
    deletedBy: row.deleted_by,
    contactCount: row.contact_count,
  };
}

/** The live (not deleted) audiences of an organization, optionally matching a search. */
function liveAudiences(db: Knex, organizationId: string, search: SearchTerm | undefined) {
  const query = db<AudienceRow>('audience as a')
    .where('a.organization_id', organizationId)
    .whereNull('a.deleted_at');
  if (search !== undefined) {
    query.whereRaw(...searchTextMatches('a', search, AUDIENCE_SEARCH_FIELDS));
  }
  return query;
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
  db: Knex,
  organizationId: string,
  { search, sortBy, sortOrder, window }: AudienceQuery,
  read: PageRead = pageReadFor(window),
): Knex.QueryBuilder {
  // Without a search, every live audience counts: the number the audience triggers keep.
  const count =
    search === undefined
      ? db.select({
          total: db('organization_audience_count')
            .select('audiences')
            .where('organization_id', organizationId),
        })
      : liveAudiences(db, organizationId, search).count({ total: '*' });
  const inOrder = (alias: string) =>
    [
      { column: `${alias}.${AUDIENCE_SORT_COLUMNS[sortBy]}`, order: sortOrder },
      { column: `${alias}.id`, order: sortOrder },
    ] as const;
  const page =
    read === 'direct'
      ? liveAudiences(db, organizationId, search)
          .select(AUDIENCE_FIELDS.map((field) => `a.${field}`))
          .orderBy([...inOrder('a')])
          .limit(window.limit)
          .offset(window.offset)
      : db
          .select(AUDIENCE_FIELDS.map((field) => `audience.${field}`))
          .from(
            liveAudiences(db, organizationId, search)
              .select('a.id')
              .orderBy([...inOrder('a')])
              .limit(window.limit)
              .offset(window.offset)
              .as('ids'),
          )
          .join('audience', 'audience.id', 'ids.id')
          .orderBy([...inOrder('audience')]);
  return (
    db
      .select('counted.total', 'page.*')
      .from(count.as('counted'))
      // knex compiles a query builder given as a binding into the statement, bindings and all.
      .joinRaw('left join lateral (?) as page on true', [page as unknown as Knex.Value])
  );
}

type PageRow = AudienceRow & { total: string | null };
// Pages without a search, compiled once per sort and way of reading: the read every client
// makes most.
const unsearchedPages = new CompiledStatements<PageRow>();
// One audience by id, compiled once.
const audiencesById = new CompiledStatements<AudienceRow>();

export async function findAudiencePage(
  db: Knex,
  organizationId: string,
  query: AudienceQuery,
): Promise<{ audiences: Audience[]; total: number }> {
  const { search, sortBy, sortOrder, window } = query;
  const read = pageReadFor(window);
  const rows =
    search === undefined
      ? await unsearchedPages.run(
          db,
          `${sortBy} ${sortOrder} ${read}`,
          [organizationId, window.limit, window.offset],
          ([organization, limit, offset]) =>
            audiencePageQuery(
              db,
              organization as string,
              { ...query, window: { limit: limit as number, offset: offset as number } },
              read,
            ),
        )
      : ((await audiencePageQuery(db, organizationId, query)) as PageRow[]);
  return {
    total: Number(rows[0]?.total ?? 0),
    audiences: rows.filter((row) => row.id !== null).map(toAudience),
  };
}

export async function findAudience(
  db: Knex,
  organizationId: string,
  id: string,
): Promise<Audience | undefined> {
  const [row] = await audiencesById.run(
    db,
    'by id',
    [organizationId, id],
    ([organization, audience]) =>
      liveAudiences(db, organization as string, undefined)
        .where('id', audience as string)
        .select(AUDIENCE_FIELDS)
        .limit(1),
  );
  return row && toAudience(row);
}

/** The live audiences of the organization among these ids, in one statement. */
export async function findAudiencesByIds(
  db: Knex,
  organizationId: string,
  ids: readonly string[],
): Promise<Audience[]> {
  if (ids.length === 0) return [];
  const rows = (await liveAudiences(db, organizationId, undefined)
    .whereIn('id', [...ids])
    .select(AUDIENCE_FIELDS)) as AudienceRow[];
  return rows.map(toAudience);
}

export async function insertAudience(
  db: Knex,
  actor: Actor,
  values: { name: string; description: string | null },
): Promise<Audience> {
  const [row] = await db('audience')
    .insert({
      organization_id: actor.organizationId,
      name: values.name,
      description: values.description,
      created_by: actor.userId,
      updated_by: actor.userId,
    })
    .returning(AUDIENCE_FIELDS);
  return toAudience(row as AudienceRow);
}

/**
 * The time a write stamps on a row: the moment it holds the row's lock, not (as now() would be)
 * when its statement began. Of two writers that wait on each other, the one that writes last
 * then always carries the later updatedAt.
 */
const WRITE_TIME = 'clock_timestamp()';

/** Applies changes to a live audience in one statement; undefined when there is none to change. */
export async function updateAudience(
  db: Knex,
  actor: Actor,
  id: string,
  changes: { name?: string; description?: string | null },
): Promise<Audience | undefined> {
  const [row] = await liveAudiences(db, actor.organizationId, undefined)
    .where('id', id)
    .update({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.description !== undefined && { description: changes.description }),
      updated_at: db.raw(WRITE_TIME),
      updated_by: actor.userId,
    })
    .returning(AUDIENCE_FIELDS);
  return row && toAudience(row as AudienceRow);
}

/** Marks a live audience deleted in one statement; undefined when there is none to delete. */
export async function softDeleteAudience(
  db: Knex,
  actor: Actor,
  id: string,
): Promise<Audience | undefined> {
  const [row] = await liveAudiences(db, actor.organizationId, undefined)
    .where('id', id)
    .update({ deleted_at: db.raw(WRITE_TIME), deleted_by: actor.userId })
    .returning(AUDIENCE_FIELDS);
  return row && toAudience(row as AudienceRow);
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
  const row = await liveAudiences(trx, actor.organizationId, undefined)
    .where('id', id)
    .select('id')
    .forNoKeyUpdate()
    .first();
  return row !== undefined;
}
