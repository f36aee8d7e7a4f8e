import type { Knex } from '@mikro-orm/postgresql';
import type { Readable } from 'node:stream';
import { findAudience } from '../audience/audience.repository';
import {
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  ValidationError,
} from '../common/errors';
import { type Page, PageArgs, pageWindow, toPage } from '../common/pagination';
import { assertUuid, validateInput } from '../common/validation';
import type { ImportFormat } from '../contact/contact-import';
import { type Actor, requireActor } from '../organization/actor';
import {
  countUnfinishedJobs,
  failJob,
  findJob,
  findJobs,
  insertJob,
} from './import-job.repository';
import type { ContactImport } from './import-job.type';
import { importRunnerOf } from './import-runner';
import {
  FileUnreadableError,
  fileUpload,
  receiveUpload,
  type Upload,
  UploadTooLargeError,
} from './import-upload';

const CUT_OFF = 'the upload was cut off before its end; nothing was imported';

/** Jobs an organization may have queued or running at once (each holds its upload on disk). */
export const MAX_UNFINISHED_JOBS = 10;

/** Every rule about import jobs; the REST door (uploads, reads) and GraphQL (reads) call this. */
export class ContactImportService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  /**
   * Receives an upload as a new job: the job exists (queued) from the first byte, the upload is
   * kept whole, then the job waits its turn. Answers the job as it stands once the upload is in.
   * An upload past the limits or cut off fails its job; nothing is written.
   */
  async start(upload: {
    format: ImportFormat;
    body: Readable;
    audienceId?: string;
  }): Promise<ContactImport> {
    return this.run(upload, (body) => receiveUpload(body, upload.format));
  }

  /**
   * A job for a file this process can read itself (the CLI's): read where it is, not received
   * first. Answers the job once it is queued; `finished` waits for its end.
   */
  async startFile(file: { format: ImportFormat; path: string; audienceId?: string }) {
    return this.run({ ...file, body: undefined }, () => fileUpload(file.path));
  }

  /** The job as it stands once it has completed or failed (polled, as any client would). */
  async finished(id: string, onPoll: (job: ContactImport) => void = () => undefined) {
    // Often at first (most jobs are small), then every half second.
    for (let wait = 20; ; wait = Math.min(500, wait * 1.5)) {
      const job = await this.get(id);
      onPoll(job);
      if (job.status === 'completed' || job.status === 'failed') return job;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }

  private async run<Body>(
    upload: { format: ImportFormat; body: Body; audienceId?: string },
    receive: (body: Body) => Promise<Upload>,
  ): Promise<ContactImport> {
    const actor = requireActor(this.actor);
    const audienceId =
      upload.audienceId === undefined ? null : assertUuid('audienceId', upload.audienceId);
    if (audienceId !== null && !(await findAudience(this.db, actor.organizationId, audienceId))) {
      throw new NotFoundError('Audience', audienceId);
    }
    const runner = importRunnerOf(this.db);
    if (!runner) throw new ServiceUnavailableError('This instance runs no import jobs');
    if ((await countUnfinishedJobs(this.db, actor.organizationId)) >= MAX_UNFINISHED_JOBS) {
      throw new ConflictError(
        `your organization has ${MAX_UNFINISHED_JOBS} import jobs queued or running; upload again once one has finished`,
      );
    }
    const job = await insertJob(
      this.db,
      actor,
      { format: upload.format, audienceId },
      runner.holder,
    );
    const held = runner.hold(job.id);
    let received: Upload;
    try {
      received = await receive(upload.body);
    } catch (error) {
      held.release();
      const known = error instanceof UploadTooLargeError || error instanceof FileUnreadableError;
      // A disk that cannot take the upload is this instance's trouble, not the client's.
      const disk = !known && typeof (error as { syscall?: unknown }).syscall === 'string';
      const reason = known
        ? (error as Error).message
        : disk
          ? 'the upload could not be kept on this instance; nothing was imported'
          : CUT_OFF;
      await failJob(this.db, actor.organizationId, job.id, { reason }, runner.holder);
      if (known) throw error;
      if (disk) throw new ServiceUnavailableError(`${reason}; try again shortly`);
      // Most likely no one is there to read it: a client error, not one of the service's.
      throw ValidationError.of('body', CUT_OFF);
    }
    runner.submit({ id: job.id, actor, format: upload.format, audienceId, upload: received });
    held.release();
    return (await findJob(this.db, actor.organizationId, job.id)) ?? job;
  }

  /** One job of the organization: NOT_FOUND when it has none with this id. */
  async get(id: string): Promise<ContactImport> {
    const { organizationId } = requireActor(this.actor);
    const jobId = assertUuid('id', id);
    const job = await findJob(this.db, organizationId, jobId);
    if (!job) throw new NotFoundError('Contact import', jobId);
    return job;
  }

  /** The organization's jobs, newest first. */
  async list(args: Partial<PageArgs>): Promise<Page<ContactImport>> {
    const { organizationId } = requireActor(this.actor);
    const valid = await validateInput(PageArgs, args);
    const { jobs, total } = await findJobs(this.db, organizationId, pageWindow(valid));
    return toPage(jobs, total, valid);
  }
}
