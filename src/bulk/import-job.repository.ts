import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import type { PageWindow } from '../common/pagination';
import type { ImportProblem, ImportReport } from '../contact/contact-import';
import { nativeSql, queryAs, queryRows, RowShape, sql } from '../database/sql';
import type { Actor } from '../organization/actor';
import { type ContactImport, ContactImportStatus } from './import-job.type';

const JOB_ROW = new RowShape<ContactImport>({
  id: 'id',
  status: 'status',
  format: 'format',
  rows: 'rows',
  rowsDone: 'rows_done',
  created: 'created',
  updated: 'updated',
  unchanged: 'unchanged',
  rejected: 'rejected',
  problems: 'problems',
  reason: 'reason',
  audienceId: 'audience_id',
  createdAt: { timestamp: 'created_at' },
  startedAt: { timestamp: 'started_at' },
  finishedAt: { timestamp: 'finished_at' },
});

/** Which instance holds a job, and for how long from now. */
export interface Lease {
  owner: string;
  ms: number;
}

/** A new job, queued and held by this instance. */
export async function insertJob(
  db: Knex,
  actor: Actor,
  { format, audienceId }: { format: string; audienceId: string | null },
  lease: Lease,
): Promise<ContactImport> {
  const [job] = await queryAs(
    db,
    JOB_ROW,
    sql.named('bulk.insertJob')`insert into contact_import_job as j (organization_id, format,
        audience_id, actor_user_id, actor_api_key_id, lease_owner, lease_until)
      values (${actor.organizationId}, ${format}, ${audienceId}, ${actor.userId},
        ${actor.apiKeyId ?? null}, ${lease.owner}, now() + make_interval(secs => ${lease.ms / 1000}))
      returning ${JOB_ROW.select('j')}`,
  );
  return job!;
}

export async function findJob(
  db: Knex,
  organizationId: string,
  id: string,
): Promise<ContactImport | undefined> {
  const [job] = await queryAs(
    db,
    JOB_ROW,
    sql.named('bulk.job')`select ${JOB_ROW.select('j')} from contact_import_job j
      where j.organization_id = ${organizationId} and j.id = ${id}`,
  );
  return job;
}

/** How many of the organization's jobs are queued or running. */
export async function countUnfinishedJobs(db: Knex, organizationId: string): Promise<number> {
  const [row] = await queryRows<{ unfinished: number }>(
    db,
    sql.named('bulk.countUnfinished')`select count(*)::int as unfinished from contact_import_job
      where organization_id = ${organizationId} and status in ('queued', 'running')`,
  );
  return row!.unfinished;
}

/** A page of the organization's jobs, newest first, and how many it has. */
export async function findJobs(
  db: Knex,
  organizationId: string,
  window: PageWindow,
): Promise<{ jobs: ContactImport[]; total: number }> {
  const [count] = await queryRows<{ total: number }>(
    db,
    sql.named('bulk.countJobs')`select count(*)::int as total from contact_import_job
      where organization_id = ${organizationId}`,
  );
  const jobs = await queryAs(
    db,
    JOB_ROW,
    sql.named('bulk.jobs')`select ${JOB_ROW.select('j')} from contact_import_job j
      where j.organization_id = ${organizationId}
      order by j.created_at desc, j.id desc limit ${window.limit} offset ${window.offset}`,
  );
  return { jobs, total: count!.total };
}

/**
 * What became of a start: `started` (it runs here now), `waiting` (another job of its organization
 * runs), or `gone` (it is no longer queued and this instance's: failed meanwhile).
 */
export type StartOutcome = 'started' | 'waiting' | 'gone';

/**
 * Starts a queued job of this instance's when no other job of its organization runs (on any
 * instance; one whose lease ran out does not count, it is failed by failAbandoned). The check and
 * the start hold the organization's advisory lock, so two instances never start two at once. A
 * start whose answer was lost is found again: a job already running and this instance's is
 * started.
 */
export async function startJob(
  db: Knex,
  organizationId: string,
  id: string,
  lease: Lease,
): Promise<StartOutcome> {
  return db.transaction(async (trx) => {
    await queryRows(
      trx,
      sql.named(
        'bulk.lockOrganizationJobs',
      )`select pg_advisory_xact_lock(hashtextextended('contact_import_job ' || ${organizationId}, 0))`,
    );
    const [row] = await queryRows<{ outcome: StartOutcome }>(
      trx,
      sql.named('bulk.startJob')`with job as (
          select j.status, j.lease_owner = ${lease.owner} as ours from contact_import_job j
          where j.organization_id = ${organizationId} and j.id = ${id}
        ), other as (
          select exists (select 1 from contact_import_job r
            where r.organization_id = ${organizationId} and r.id <> ${id} and r.status = 'running'
              and r.lease_until > now()) as runs
        ), started as (
          update contact_import_job j set status = 'running', started_at = clock_timestamp(),
            lease_until = now() + make_interval(secs => ${lease.ms / 1000})
          where j.organization_id = ${organizationId} and j.id = ${id} and j.status = 'queued'
            and j.lease_owner = ${lease.owner} and not (select runs from other)
          returning j.id
        )
        select case
          when exists (select 1 from started) then 'started'
          when (select status = 'running' and ours from job) then 'started'
          when (select status = 'queued' and ours from job) then 'waiting'
          else 'gone' end as outcome`,
    );
    return row!.outcome;
  });
}

/** Holds this instance's unfinished jobs for another lease. */
export async function renewLeases(db: Knex, ids: readonly string[], lease: Lease): Promise<void> {
  if (ids.length === 0) return;
  await queryRows(
    db,
    sql.named('bulk.renewLeases')`update contact_import_job
      set lease_until = now() + make_interval(secs => ${lease.ms / 1000})
      where id = any(cast(${[...ids]} as uuid[])) and lease_owner = ${lease.owner}
        and status in ('queued', 'running')`,
  );
}

/**
 * Fails the jobs whose instance stopped holding them (its lease ran out): their transaction went
 * with that instance's connection, so nothing of them was written. A job that completes at the
 * same moment holds its row until its commit; this then finds it completed and leaves it.
 */
export async function failAbandoned(db: Knex): Promise<number> {
  const failed = await queryRows(
    db,
    sql.named('bulk.failAbandoned')`update contact_import_job set status = 'failed',
        reason = 'the instance that held this job stopped before it finished; nothing was written',
        finished_at = clock_timestamp(), lease_owner = null, lease_until = null
      where status in ('queued', 'running') and lease_until < now()
      returning id`,
  );
  return failed.length;
}

/** How far a running job has come; false when this instance no longer holds it. */
export async function recordProgress(
  db: Knex,
  organizationId: string,
  id: string,
  { rows, rowsDone }: { rows: number; rowsDone: number },
  lease: Lease,
): Promise<boolean> {
  const held = await queryRows(
    db,
    sql.named('bulk.recordProgress')`update contact_import_job set rows = ${rows},
        rows_done = ${rowsDone}
      where organization_id = ${organizationId} and id = ${id} and status = 'running'
        and lease_owner = ${lease.owner}
      returning id`,
  );
  return held.length > 0;
}

/**
 * Marks the job completed in the import's own transaction, so that "completed" commits exactly
 * with its contacts. False when this instance no longer holds it (its lease ran out and it was
 * failed): the import must then roll back.
 */
export async function completeJob(
  connection: ClientBase,
  organizationId: string,
  id: string,
  report: ImportReport,
  lease: Lease,
): Promise<boolean> {
  const { rowCount } = await connection.query(
    nativeSql(sql.named('bulk.completeJob')`update contact_import_job set status = 'completed',
        rows = ${report.rows}, rows_done = ${report.rows}, created = ${report.created},
        updated = ${report.updated}, unchanged = ${report.unchanged},
        finished_at = clock_timestamp(), lease_owner = null, lease_until = null
      where organization_id = ${organizationId} and id = ${id} and status = 'running'
        and lease_owner = ${lease.owner}`),
  );
  return rowCount === 1;
}

/** Why a job wrote nothing. */
export interface Failure {
  reason: string | null;
  rows?: number;
  rejected?: number;
  problems?: readonly ImportProblem[];
}

/** Fails a job this instance holds (after its transaction rolled back). */
export async function failJob(
  db: Knex,
  organizationId: string,
  id: string,
  failure: Failure,
  lease: Lease,
): Promise<void> {
  await queryRows(
    db,
    sql.named('bulk.failJob')`update contact_import_job set status = ${ContactImportStatus.failed},
        reason = ${failure.reason}, rows = coalesce(${failure.rows ?? null}, rows), rows_done = 0,
        rejected = ${failure.rejected ?? 0},
        problems = cast(${JSON.stringify(failure.problems ?? [])} as jsonb),
        finished_at = clock_timestamp(), lease_owner = null, lease_until = null
      where organization_id = ${organizationId} and id = ${id}
        and status in ('queued', 'running') and lease_owner = ${lease.owner}`,
  );
}

/** Deletes finished jobs older than the retention (the events' own): returns how many. */
export async function pruneJobs(db: Knex, retentionDays: number): Promise<number> {
  const pruned = await queryRows(
    db,
    sql.named('bulk.pruneJobs')`delete from contact_import_job
      where status in ('completed', 'failed')
        and finished_at < now() - make_interval(days => ${retentionDays})
      returning id`,
  );
  return pruned.length;
}
