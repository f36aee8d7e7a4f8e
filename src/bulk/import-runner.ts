import { type Knex, knex } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { ClientBase } from 'pg';
import type pg from 'pg';
import {
  type ImportFormat,
  ImportRejectedError,
  ImportTooLargeError,
  importOnConnection,
} from '../contact/contact-import';
import { ImportRaceError } from '../contact/contact.repository';
import { lockLiveAudienceStatement } from '../audience/audience.repository';
import { nativeSql } from '../database/sql';
import {
  addImportedMembersStatement,
  lockImportAudiencesStatement,
} from '../membership/membership.repository';
import type { Actor } from '../organization/actor';
import {
  completeJob,
  type Failure,
  failAbandoned,
  failJob,
  type Lease,
  recordProgress,
  renewLeases,
  startJob,
  type StartOutcome,
} from './import-job.repository';
import type { Upload } from './import-upload';

/** A job this instance received, waiting for its turn or running. */
export interface LocalJob {
  id: string;
  actor: Actor;
  format: ImportFormat;
  audienceId: string | null;
  upload: Upload;
}

export interface ImportRunnerOptions {
  concurrency: number;
  leaseMs: number;
  log: {
    info(details: object, message: string): void;
    warn(details: object, message: string): void;
    error(details: object, message: string): void;
  };
}

// How often a running job's progress is written (its row, on the runner's pool).
const PROGRESS_EVERY_MS = 1_000;

// The waits between a started job's attempts to get its connection.
const CONNECT_DELAYS_MS = [500, 1_000, 2_000, 4_000];

/** Thrown in a job's transaction when this instance no longer holds it: roll back. */
class LeaseLostError extends Error {}

/** The audience a job adds its contacts to is gone: the job writes nothing. */
class AudienceGoneError extends Error {}

const runners = new WeakMap<Knex, ImportRunner>();

/** The runner of the instance whose database handle is `db`; undefined where none runs. */
export function importRunnerOf(db: Knex): ImportRunner | undefined {
  return runners.get(db);
}

/**
 * Runs the import jobs this instance received: at most `concurrency` at once, one per organization
 * at a time (across instances: startJob), the others queued in the order they came. Each runs in
 * one transaction on a pool of the runner's own, so a long import never takes a connection from
 * the requests. Every few seconds it renews the leases of its jobs and fails any job, on any
 * instance, whose lease ran out (its instance stopped): a job is never left running for ever.
 */
export class ImportRunner {
  private readonly pool: Knex;
  private readonly lease: Lease;
  private readonly waiting: LocalJob[] = [];
  private readonly running = new Map<
    string,
    { job: LocalJob; done: Promise<void>; input?: NodeJS.ReadableStream & { destroy(): void } }
  >();
  private readonly timer: NodeJS.Timeout;
  private pumping = false;
  private pumpAgain = false;
  private stopping = false;
  private failing = false;
  /** Jobs whose upload is still arriving. */
  private readonly receiving = new Set<string>();

  constructor(
    db: Knex,
    private readonly options: ImportRunnerOptions,
  ) {
    const settings = db.client.connectionSettings as pg.ClientConfig;
    this.pool = knex({
      client: 'pg',
      connection: {
        ...(settings as Knex.PgConnectionConfig),
        // knex keeps the password out of the settings' enumerable properties (out of logs).
        password: settings.password as string | undefined,
        application_name: `audience-gateway imports (pid ${process.pid})`,
      } as Knex.PgConnectionConfig,
      // A connection per running job, and one for leases and progress.
      pool: { min: 0, max: options.concurrency + 1 },
    });
    this.lease = {
      owner: `${os.hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
      ms: options.leaseMs,
    };
    this.timer = setInterval(() => void this.tick(), Math.floor(options.leaseMs / 3));
    this.timer.unref();
    runners.set(db, this);
  }

  /** This instance's hold on the jobs it creates. */
  get holder(): Lease {
    return this.lease;
  }

  /**
   * Holds a job from its creation until it is submitted or given up (its upload arriving): its
   * lease is renewed meanwhile, as a queued or running job's is.
   */
  hold(id: string): { release(): void } {
    this.receiving.add(id);
    return { release: () => this.receiving.delete(id) };
  }

  /** Queues a job; it starts as soon as a slot and its organization are free. */
  submit(job: LocalJob): void {
    if (this.stopping) {
      void this.fail(job, { reason: 'the instance is shutting down; nothing was written' });
      return;
    }
    this.waiting.push(job);
    void this.pump();
  }

  /** Fails the waiting jobs and stops the running ones (their transactions roll back). */
  async close(): Promise<void> {
    this.stopping = true;
    clearInterval(this.timer);
    const waiting = this.waiting.splice(0);
    await Promise.all(
      waiting.map((job) =>
        this.fail(job, {
          reason: 'the instance shut down before the job ran; nothing was written',
        }),
      ),
    );
    for (const { input } of this.running.values()) input?.destroy();
    await Promise.all([...this.running.values()].map(({ done }) => done));
    await this.pool.destroy();
  }

  private async tick(): Promise<void> {
    try {
      const held = [
        ...this.receiving,
        ...this.waiting.map((job) => job.id),
        ...this.running.keys(),
      ];
      await renewLeases(this.pool, held, this.lease);
      const failed = await failAbandoned(this.pool);
      if (this.failing) this.options.log.info({}, 'import job leases renewed again');
      this.failing = false;
      if (failed > 0) {
        this.options.log.warn({ jobs: failed }, 'import jobs of a stopped instance failed');
      }
    } catch (error) {
      // Said once when renewing stops working (an outage of the database, which the requests
      // warn of), not every few seconds while it lasts.
      if (!this.failing) {
        this.options.log.info({ err: error }, 'import job leases cannot be renewed for now');
      }
      this.failing = true;
    }
    // A job waiting for its organization's job on another instance starts once that one ends.
    void this.pump();
  }

  /** Starts every waiting job that may start now, in the order they came. */
  private async pump(): Promise<void> {
    if (this.pumping) {
      this.pumpAgain = true;
      return;
    }
    this.pumping = true;
    try {
      do {
        this.pumpAgain = false;
        const busy = new Set([...this.running.values()].map(({ job }) => job.actor.organizationId));
        for (const job of [...this.waiting]) {
          if (this.running.size >= this.options.concurrency || this.stopping) break;
          const organizationId = job.actor.organizationId;
          if (busy.has(organizationId)) continue;
          let outcome: StartOutcome;
          try {
            outcome = await startJob(this.pool, organizationId, job.id, this.lease);
          } catch (error) {
            this.options.log.warn(
              { err: error, jobId: job.id },
              'an import job could not start yet',
            );
            // Its organization's later jobs wait behind it all the same.
            busy.add(organizationId);
            continue;
          }
          // Its organization's job runs elsewhere: the organization's later jobs wait behind it.
          if (outcome === 'waiting') {
            busy.add(organizationId);
            continue;
          }
          const at = this.waiting.indexOf(job);
          // Closed meanwhile: close() has taken the job from the queue and fails it.
          if (at < 0) continue;
          this.waiting.splice(at, 1);
          // No longer this instance's to run (its lease ran out and it was failed): let it go.
          if (outcome === 'gone') {
            void job.upload.close().catch(() => undefined);
            continue;
          }
          busy.add(organizationId);
          const done = this.run(job).finally(() => {
            this.running.delete(job.id);
            void job.upload.close().catch(() => undefined);
            void this.pump();
          });
          this.running.set(job.id, { job, done });
        }
      } while (this.pumpAgain);
    } finally {
      this.pumping = false;
    }
  }

  private async run(job: LocalJob): Promise<void> {
    const { actor } = job;
    const client = this.pool.client as {
      acquireConnection(): Promise<ClientBase>;
      releaseConnection(connection: ClientBase): Promise<void>;
    };
    let progress = { rows: 0, rowsDone: 0 };
    let written = Promise.resolve();
    let lastWrite = 0;
    const onProgress = (step: { rows: number; rowsDone: number }) => {
      progress = { rows: step.rows, rowsDone: step.rowsDone };
      if (Date.now() - lastWrite < PROGRESS_EVERY_MS) return;
      lastWrite = Date.now();
      const seen = progress;
      written = written
        .then(async () => {
          // Failed meanwhile (its lease ran out): stop reading; the commit would be refused.
          if (!(await recordProgress(this.pool, actor.organizationId, job.id, seen, this.lease))) {
            this.running.get(job.id)?.input?.destroy();
          }
        })
        .catch(() => undefined);
    };
    let connection: ClientBase;
    try {
      connection = await this.connect(client);
    } catch (error) {
      this.options.log.warn({ err: error, jobId: job.id }, 'an import job found no connection');
      await this.fail(job, { reason: 'the database could not be reached; nothing was written' });
      return;
    }
    try {
      const input = job.upload.read();
      const entry = this.running.get(job.id);
      if (entry) entry.input = input;
      const report = await importOnConnection(connection, actor, input, {
        importId: job.id,
        format: job.format,
        onProgress,
        afterLock: async (trx) => {
          if (job.audienceId === null) return;
          // The audience and those of the file's contacts, in id order, before the update's
          // triggers lock any (and the organization's row after them).
          await trx.query(nativeSql(lockImportAudiencesStatement(actor, job.audienceId)));
          const { rowCount } = await trx.query(
            nativeSql(lockLiveAudienceStatement(actor, job.audienceId)),
          );
          if (rowCount !== 1) throw new AudienceGoneError();
        },
        beforeCommit: async (trx, done) => {
          if (job.audienceId !== null) {
            await trx.query(nativeSql(addImportedMembersStatement(actor, job.audienceId)));
          }
          await written;
          if (!(await completeJob(trx, actor.organizationId, job.id, done, this.lease))) {
            throw new LeaseLostError();
          }
        },
      });
      this.options.log.info(
        { jobId: job.id, organizationId: actor.organizationId, rows: report.rows },
        'import job completed',
      );
    } catch (error) {
      await written;
      if (error instanceof LeaseLostError) return;
      await this.fail(job, this.failureOf(error, job, progress.rows));
    } finally {
      await client.releaseConnection(connection);
    }
  }

  /**
   * A connection for a job that has started: a server out of connections for a moment (its
   * max_connections taken by other clients) is asked again a few times, over about 8 s, before the
   * job fails for it.
   */
  private async connect(client: { acquireConnection(): Promise<ClientBase> }): Promise<ClientBase> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await client.acquireConnection();
      } catch (error) {
        if (attempt >= CONNECT_DELAYS_MS.length || this.stopping) throw error;
        await new Promise((resolve) => setTimeout(resolve, CONNECT_DELAYS_MS[attempt]));
      }
    }
  }

  private failureOf(error: unknown, job: LocalJob, rows: number): Failure {
    if (error instanceof ImportRejectedError) {
      return { reason: null, rows, rejected: error.rejected, problems: error.problems };
    }
    if (error instanceof ImportTooLargeError || error instanceof ImportRaceError) {
      return { reason: error.message, rows };
    }
    if (error instanceof AudienceGoneError) {
      return { reason: `audience ${job.audienceId} was deleted; nothing was written`, rows };
    }
    if (this.stopping) {
      return { reason: 'the instance shut down while the job ran; nothing was written', rows };
    }
    const code = (error as { code?: string }).code;
    if (code === '55P03') {
      return {
        reason:
          'the import waited over a minute for a lock another writer held; nothing was written, import it again',
        rows,
      };
    }
    if (code === '40P01' || code === '40001') {
      return {
        reason: 'the import met a concurrent change; nothing was written, import it again',
        rows,
      };
    }
    this.options.log.error({ err: error, jobId: job.id }, 'an import job failed unexpectedly');
    return { reason: 'the import failed on an unexpected error; nothing was written', rows };
  }

  private async fail(job: LocalJob, failure: Failure): Promise<void> {
    await job.upload.close().catch(() => undefined);
    try {
      await failJob(this.pool, job.actor.organizationId, job.id, failure, this.lease);
    } catch (error) {
      this.options.log.warn(
        { err: error, jobId: job.id },
        'a failed import job could not be recorded',
      );
      // Failed all the same, without what could not be stored; failing that too, its lease runs
      // out and any instance fails it.
      const reason =
        failure.reason ?? `${failure.rejected ?? 0} lines were rejected; nothing was written`;
      await failJob(
        this.pool,
        job.actor.organizationId,
        job.id,
        { reason, rows: failure.rows, rejected: failure.rejected },
        this.lease,
      ).catch(() => undefined);
    }
  }
}
