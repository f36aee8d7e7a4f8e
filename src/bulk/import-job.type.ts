import { DateTimeISOResolver } from 'graphql-scalars';
import { Field, ID, Int, ObjectType, registerEnumType } from 'type-graphql';
import { PageType } from '../common/types/page.type';

/** Where an import job stands. */
export enum ContactImportStatus {
  queued = 'queued',
  running = 'running',
  completed = 'completed',
  failed = 'failed',
}

registerEnumType(ContactImportStatus, {
  name: 'ContactImportStatus',
  description: 'Where an import job stands.',
  valuesConfig: {
    queued: {
      description: 'Received whole; waiting for its turn (one job per organization at a time).',
    },
    running: {
      description: 'Being read and written; nothing of it is visible until it completes.',
    },
    completed: { description: 'Every row is written and readable.' },
    failed: { description: 'Nothing was written: `problems` and `reason` say why.' },
  },
});

@ObjectType({ simpleResolvers: true, description: 'A rejected line of an import.' })
export class ContactImportProblem {
  @Field(() => Int, {
    description: 'The line of the file, from 1 (a CSV file’s header is line 1).',
  })
  line!: number;

  @Field(() => [String], { description: 'What is wrong with it.' })
  messages!: string[];
}

@ObjectType({
  simpleResolvers: true,
  description:
    'A bulk import of contacts: all or nothing, so a failed job wrote nothing and a completed one wrote every row.',
})
export class ContactImport {
  @Field(() => ID, { description: 'The job id (UUID); its events carry it as `importId`.' })
  id!: string;

  @Field(() => ContactImportStatus, { description: 'Where the job stands.' })
  status!: ContactImportStatus;

  @Field({ description: 'The upload’s format: csv or ndjson.' })
  format!: string;

  @Field(() => Int, { description: 'Rows read so far (all of them once it is finished).' })
  rows!: number;

  @Field(() => Int, { description: 'Rows written so far, of `rows`.' })
  rowsDone!: number;

  @Field(() => Int, { description: 'Contacts it created.' })
  created!: number;

  @Field(() => Int, { description: 'Contacts it changed (a row whose phone a contact had).' })
  updated!: number;

  @Field(() => Int, { description: 'Rows equal to their contact: nothing changed.' })
  unchanged!: number;

  @Field(() => Int, {
    description: 'Rejected lines, listed or not (a job with one writes nothing).',
  })
  rejected!: number;

  @Field(() => [ContactImportProblem], {
    description: 'The first 100 rejected lines, in line order.',
  })
  problems!: ContactImportProblem[];

  @Field(() => String, {
    nullable: true,
    description:
      'Why a failed job failed, when it was not its lines (the upload was cut off, the instance stopped).',
  })
  reason!: string | null;

  @Field(() => ID, {
    nullable: true,
    description: 'The audience every row’s contact is also added to, when the job names one.',
  })
  audienceId!: string | null;

  @Field(() => DateTimeISOResolver, { description: 'When the upload began.' })
  createdAt!: Date;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When it began to run.' })
  startedAt!: Date | null;

  @Field(() => DateTimeISOResolver, { nullable: true, description: 'When it completed or failed.' })
  finishedAt!: Date | null;
}

@ObjectType({ simpleResolvers: true, description: 'A page of import jobs, newest first.' })
export class ContactImportPage extends PageType(ContactImport) {}
