import type { Knex } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse';
import { validateSync } from 'class-validator';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VALIDATION_OPTIONS } from '../common/validation';
import { nativeSql } from '../database/sql';
import { actorSql } from '../organization/acting';
import type { Actor } from '../organization/actor';
import { CreateContactInput } from './contact.input';
import {
  createImportStaging,
  IMPORT_COPY,
  nameImport,
  repeatedImportPhones,
  upsertImported,
} from './contact.repository';
import { repeatedPhone } from './contact.service';
import { emailConsentNeedsEmail } from './consent.columns';
import { ConsentStatus } from './consent.type';

const CSV_COLUMNS = ['firstName', 'lastName', 'primaryPhone', 'primaryEmail'] as const;
// Columns a file may have beside those: a consent left out (or empty) keeps the contact's.
const OPTIONAL_COLUMNS = ['smsConsent', 'emailConsent'] as const;
// The rejections a report lists; past them it only counts (a wrong file can have a million).
const LISTED_PROBLEMS = 100;
const COPY_BATCH_CHARS = 64 * 1024;
// How often progress is reported, in rows.
const PROGRESS_EVERY = 10_000;

export interface ImportProblem {
  /** 1-based line of the CSV file (the header is line 1). */
  line: number;
  messages: string[];
}

/** What an import did: every row of the file created a contact, updated one, or found it equal. */
export interface ImportReport {
  /** Names the import in its `contacts.imported` events. */
  importId: string;
  rows: number;
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportProgress {
  rows: number;
  /** Bytes of the file read so far. */
  bytes: number;
}

/** A CSV file that cannot be imported whole: nothing was imported. */
export class ImportRejectedError extends Error {
  constructor(
    readonly problems: ImportProblem[],
    /** How many lines were rejected, listed or not. */
    readonly rejected = problems.length,
  ) {
    const listed = problems.map(
      (problem) => `line ${problem.line}: ${problem.messages.join('; ')}`,
    );
    if (rejected > problems.length) listed.push(`… and ${rejected - problems.length} more`);
    super(`${rejected} line${rejected === 1 ? '' : 's'} rejected:\n${listed.join('\n')}`);
    this.name = 'ImportRejectedError';
  }
}

/**
 * Imports contacts from a CSV stream with the header firstName,lastName,primaryPhone,primaryEmail
 * (and, optionally, smsConsent and emailConsent), upserting by phone: a row whose phone a contact
 * of the organization has updates that contact (its names, e-mail and the consents the row gives),
 * any other creates one. All or nothing: every row is checked with the
 * API's own rules (CreateContactInput) and a phone on two lines is refused, every bad line is
 * reported, and only a file without one is written, in one transaction.
 *
 * Memory stays flat whatever the file's size: rows stream from the parser, through the rules,
 * into PostgreSQL's COPY (a temporary staging table), and one statement moves them into contact.
 */
export async function importContactsCsv(
  db: Knex,
  actor: Actor,
  input: Readable,
  onProgress: (progress: ImportProgress) => void = () => undefined,
): Promise<ImportReport> {
  const knexClient = db.client as {
    acquireConnection(): Promise<ClientBase>;
    releaseConnection(connection: ClientBase): Promise<void>;
  };
  const connection = await knexClient.acquireConnection();
  try {
    await connection.query('begin');
    try {
      const report = await importInTransaction(connection, actor, input, onProgress);
      await connection.query('commit');
      return report;
    } catch (error) {
      await connection.query('rollback').catch(() => undefined);
      throw error;
    }
  } finally {
    await knexClient.releaseConnection(connection);
  }
}

async function importInTransaction(
  connection: ClientBase,
  actor: Actor,
  input: Readable,
  onProgress: (progress: ImportProgress) => void,
): Promise<ImportReport> {
  const importId = randomUUID();
  await createImportStaging(connection);
  await connection.query(nativeSql(actorSql(actor)));
  await nameImport(connection, importId);
  const problems = new Problems();
  const rows = await stageRows(connection, input, problems, onProgress);
  // A phone on two lines: the later ones are refused, naming the first.
  for (const row of await repeatedImportPhones(connection)) {
    problems.add({
      line: row.line,
      messages: [repeatedPhone('primaryPhone', row.primaryPhone, `on line ${row.first}`)],
    });
  }
  problems.throwIfAny();
  const { created, updated } = await upsertImported(connection, actor.organizationId);
  return { importId, rows, created, updated, unchanged: rows - created - updated };
}

/** The rejected lines of an import: every one counted, the first LISTED_PROBLEMS listed. */
class Problems {
  private readonly listed: ImportProblem[] = [];
  private count = 0;

  add(problem: ImportProblem): void {
    this.count += 1;
    if (this.listed.length < LISTED_PROBLEMS) this.listed.push(problem);
  }

  throwIfAny(): void {
    if (this.count === 0) return;
    this.listed.sort((a, b) => a.line - b.line);
    throw new ImportRejectedError(this.listed, this.count);
  }
}

/**
 * Streams the file through the parser and the API's rules into the staging table (COPY); returns
 * how many rows it held. A bad row is added to `problems` and staged nothing; a malformed file
 * (an unclosed quote, no header, no rows) is refused at once.
 */
async function stageRows(
  connection: ClientBase,
  input: Readable,
  problems: Problems,
  onProgress: (progress: ImportProgress) => void,
): Promise<number> {
  let rows = 0;
  let bytes = 0;
  input.on('data', (chunk: Buffer | string) => (bytes += chunk.length));
  let header: string[] | undefined;
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
    columns: (names: string[]) => {
      header = names;
      assertHeader(names);
      return names;
    },
  });

  // Valid rows as lines of COPY's CSV, about 64 KiB at a time (one write per row costs more than
  // the row); a bad one is reported and leaves nothing behind.
  async function* checkedRows(records: AsyncIterable<ParsedRow>) {
    let batch = '';
    for await (const { record, info } of records) {
      rows += 1;
      if (rows % PROGRESS_EVERY === 0) onProgress({ rows, bytes });
      const line = checkedLine(record, info.lines, problems);
      if (line === undefined) continue;
      batch += line;
      if (batch.length >= COPY_BATCH_CHARS) {
        yield batch;
        batch = '';
      }
    }
    if (batch) yield batch;
  }

  try {
    await pipeline(input, parser, checkedRows, connection.query(copyFrom(IMPORT_COPY)));
  } catch (error) {
    throw asRejection(error);
  }
  onProgress({ rows, bytes });
  if (!header) throw new ImportRejectedError([{ line: 1, messages: ['the file is empty'] }]);
  if (rows === 0) {
    throw new ImportRejectedError([{ line: 2, messages: ['the file holds no contacts'] }]);
  }
  return rows;
}

/**
 * A row as a line of COPY's CSV, checked with the API's rules and options (synchronously: a
 * million rows cannot wait on a promise each); undefined, and a problem, when it breaks one.
 * Staged even after a refused line (the staging table goes with the transaction): a phone
 * repeated on a later line is found there, and reported with the rest.
 */
function checkedLine(
  record: Record<string, string>,
  line: number,
  problems: Problems,
): string | undefined {
  const contact = toInput(record);
  const errors = validateSync(contact, VALIDATION_OPTIONS);
  const messages = errors.flatMap((error) => Object.values(error.constraints ?? {}));
  if (contact.emailConsent === ConsentStatus.SUBSCRIBED && !contact.primaryEmail) {
    messages.push(emailConsentNeedsEmail('emailConsent'));
  }
  if (messages.length > 0) {
    problems.add({ line, messages });
    return undefined;
  }
  const optional = (value: string | null | undefined) => (value ? csvField(value) : '');
  return `${line},${csvField(contact.firstName)},${csvField(contact.lastName)},${csvField(contact.primaryPhone)},${optional(contact.primaryEmail)},${optional(contact.smsConsent)},${optional(contact.emailConsent)}\n`;
}

/** The parser's own errors (an unclosed quote, a row with too many fields) name their line. */
function asRejection(error: unknown): unknown {
  if (error instanceof ImportRejectedError) return error;
  const { code, lines, message } = error as { code?: string; lines?: number; message: string };
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return new ImportRejectedError([{ line: lines ?? 1, messages: [message] }]);
  }
  return error;
}

interface ParsedRow {
  record: Record<string, string>;
  info: { lines: number };
}

function assertHeader(names: string[]): void {
  const missing = CSV_COLUMNS.filter((column) => !names.includes(column));
  const known: readonly string[] = [...CSV_COLUMNS, ...OPTIONAL_COLUMNS];
  const unknown = names.filter((column) => !known.includes(column));
  if (missing.length > 0 || unknown.length > 0) {
    throw new ImportRejectedError([
      {
        line: 1,
        messages: [
          `the header must be ${CSV_COLUMNS.join(',')} (and optionally ${OPTIONAL_COLUMNS.join(', ')})` +
            (missing.length ? `; missing: ${missing.join(', ')}` : '') +
            (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
        ],
      },
    ]);
  }
}

/** A CSV row as the API's input: an empty e-mail cell is no e-mail, an empty consent none given. */
function toInput(record: Record<string, string>): CreateContactInput {
  const contact = new CreateContactInput();
  contact.firstName = record.firstName!;
  contact.lastName = record.lastName!;
  contact.primaryPhone = record.primaryPhone!;
  if (record.primaryEmail) contact.primaryEmail = record.primaryEmail;
  // An empty consent cell, or no such column, is none given: the contact's stays.
  if (record.smsConsent) contact.smsConsent = record.smsConsent as ConsentStatus;
  if (record.emailConsent) contact.emailConsent = record.emailConsent as ConsentStatus;
  return contact;
}

/** A value as a field of COPY's CSV format: always quoted, quotes doubled. */
function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
