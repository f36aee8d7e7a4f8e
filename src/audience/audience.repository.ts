import type { Knex } from '@mikro-orm/postgresql';
import { toDate, toDateOrNull } from '../common/timestamps';
import type { PageWindow } from '../common/pagination';
import type { SortOrder } from '../common/sorting';
import type { Actor } from '../organization/actor';
import { AudienceSortField } from './audience.args';
import type { Audience } from './audience.type';

const SORT_COLUMNS: Record<AudienceSortField, string> = {
  [AudienceSortField.name]: 'name',
  [AudienceSortField.createdAt]: 'created_at',
  [AudienceSortField.updatedAt]: 'updated_at',
};

interface AudienceRow {
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
  /** An ILIKE pattern (see containsPattern), or undefined for all audiences. */
  pattern: string | undefined;
  sortBy: AudienceSortField;
  sortOrder: SortOrder;
  window: PageWindow;
}

function toAudience(row: AudienceRow): Audience {
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

/** The live (not deleted) audiences of an organization, optionally matching a pattern. */
function liveAudiences(db: Knex, organizationId: string, pattern: string | undefined) {
  const query = db<AudienceRow>('audience')
    .where('organization_id', organizationId)
    .whereNull('deleted_at');
  if (pattern !== undefined) {
    query.whereRaw('(name ilike ? or description ilike ?)', [pattern, pattern]);
  }
  return query;
}

/**
 * A page of live audiences and how many match in all, in one statement: the count, joined
 * laterally to the page, so that a page past the end still brings the total.
 */
export async function findAudiencePage(
  db: Knex,
  organizationId: string,
  { pattern, sortBy, sortOrder, window }: AudienceQuery,
): Promise<{ audiences: Audience[]; total: number }> {
  const count = liveAudiences(db, organizationId, pattern).count({ total: '*' });
  const page = liveAudiences(db, organizationId, pattern)
    .select('*')
    .orderBy([
      { column: SORT_COLUMNS[sortBy], order: sortOrder },
      { column: 'id', order: sortOrder },
    ])
    .limit(window.limit)
    .offset(window.offset);
  const rows = (await db
    .select('counted.total', 'page.*')
    .from(count.as('counted'))
    // knex compiles a query builder given as a binding into the statement, bindings and all.
    .joinRaw('left join lateral (?) as page on true', [
      page as unknown as Knex.Value,
    ])) as (AudienceRow & {
    total: string;
  })[];
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
  const row = (await liveAudiences(db, organizationId, undefined).where('id', id).first()) as
    AudienceRow | undefined;
  return row && toAudience(row);
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
    .returning('*');
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
  changes: { name?: string; description?: string },
): Promise<Audience | undefined> {
  const [row] = await liveAudiences(db, actor.organizationId, undefined)
    .where('id', id)
    .update({
      ...(changes.name !== undefined && { name: changes.name }),
      ...(changes.description !== undefined && { description: changes.description }),
      updated_at: db.raw(WRITE_TIME),
      updated_by: actor.userId,
    })
    .returning('*');
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
    .returning('*');
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

/**
 * Adds the contacts to the audience in one statement, unless one of them is not a contact of the
 * actor's organization: then nothing is added and the ids that are not are returned. Existing
 * members are skipped, rows go in id order so that concurrent adds never deadlock, and the
 * audience's contact count grows by the rows actually inserted.
 */
export async function addMembers(
  trx: Knex.Transaction,
  actor: Actor,
  audienceId: string,
  contactIds: readonly string[],
): Promise<string[]> {
  const { rows } = await trx.raw<{ rows: { id: string }[] }>(
    `with requested as (select unnest(cast(? as uuid[])) as id),
     found as (
       select c.id from contact c join requested r on r.id = c.id where c.organization_id = ?
     ),
     inserted as (
       insert into audience_contact (audience_id, contact_id, added_by)
       select ?, f.id, ? from found f
       where (select count(*) from found) = ?
       order by f.id
       on conflict do nothing
       returning 1
     ),
     counted as (
       update audience set contact_count = contact_count + (select count(*) from inserted) where id = ?
     )
     select r.id from requested r where not exists (select 1 from found f where f.id = r.id)`,
    [
      [...contactIds],
      actor.organizationId,
      audienceId,
      actor.userId,
      contactIds.length,
      audienceId,
    ],
  );
  return rows.map((row) => row.id);
}
