import type { Knex } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse';
import { validateSync } from 'class-validator';
import type { ClientBase } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { randomUUID } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { VALIDATION_OPTIONS } from '../common/validation';
import { nativeSql, sql } from '../database/sql';
import { actorSql } from '../organization/acting';
import type { Actor } from '../organization/actor';
import { CreateContactInput } from './contact.input';
import {
  createImportStaging,
  IMPORT_COPY,
  ImportRaceError,
  indexImportLines,
  nameImport,
  repeatedImportPhones,
  insertImportedLines,
  updateImported,
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
// Lines written a statement at a time once the file is in and checked: the job's progress moves
// as they land, and no statement's transition tables hold a million rows.
const WRITE_BATCH_LINES = 50_000;
// How often progress is reported, in rows.
const PROGRESS_EVERY = 10_000;
/** The most rows one import takes. */
export const MAX_IMPORT_ROWS = 5_000_000;
/** The largest file one import takes. */
export const MAX_IMPORT_BYTES = 1024 * 1024 * 1024;
// The longest line (CSV record or NDJSON object): a line of a gigabyte is refused as it arrives,
// not held.
const MAX_LINE_CHARS = 64 * 1024;
/** The fields an NDJSON line may have: the API's names for a new contact. */
const NDJSON_FIELDS: readonly string[] = [
  'firstName',
  'lastName',
  'primaryPhone',
  'primaryEmail',
  'smsConsent',
  'emailConsent',
];

export type ImportFormat = 'csv' | 'ndjson';

export interface ImportOptions {
  /** `csv` (the default: a header, then a contact a line) or `ndjson` (a contact object a line). */
  format?: ImportFormat;
  onProgress?: (progress: ImportProgress) => void;
  /**
   * Runs in the import's transaction once the contacts its lines match are locked (each line's
   * `contact_id` in the staging table), before any is written: where a lock of the import's own
   * (its audience, with its contacts' audiences, in id order) fits the one lock order, contacts,
   * audiences, then the organization.
   */
  afterLock?: (connection: ClientBase) => Promise<void>;
  /** How many lines of the file one statement creates contacts for (WRITE_BATCH_LINES). */
  batchLines?: number;
  /** Runs in the import's transaction once every row is written, just before its commit. */
  beforeCommit?: (connection: ClientBase, report: ImportReport) => Promise<void>;
}

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
  /** Rows read (checked and staged) so far. */
  rows: number;
  /** Rows written into the organization's contacts so far. */
  rowsDone: number;
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

/** A file past MAX_IMPORT_ROWS or MAX_IMPORT_BYTES: nothing was imported. */
export class ImportTooLargeError extends Error {
  constructor(what: string) {
    super(`the file holds more than ${what}; nothing was imported`);
    this.name = 'ImportTooLargeError';
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
export async function importContacts(
  db: Knex,
  actor: Actor,
  input: Readable,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const knexClient = db.client as {
    acquireConnection(): Promise<ClientBase>;
    releaseConnection(connection: ClientBase): Promise<void>;
  };
  const connection = await knexClient.acquireConnection();
  try {
    return await importOnConnection(connection, actor, input, options);
  } finally {
    await knexClient.releaseConnection(connection);
  }
}

/**
 * The import on a connection of its own (COPY needs one), in a transaction it begins and ends:
 * committed with every row, or rolled back (and the error thrown) with none. The import id is
 * `importId` when given (an import job's id), a new one otherwise.
 */
export async function importOnConnection(
  connection: ClientBase,
  actor: Actor,
  input: Readable,
  options: ImportOptions & { importId?: string } = {},
): Promise<ImportReport> {
  await connection.query('begin');
  try {
    const report = await importInTransaction(connection, actor, input, options);
    await connection.query('commit');
    return report;
  } catch (error) {
    await connection.query('rollback').catch(() => undefined);
    input.destroy();
    throw error;
  }
}

async function importInTransaction(
  connection: ClientBase,
  actor: Actor,
  input: Readable,
  { format = 'csv', onProgress = () => undefined, ...hooks }: ImportOptions & { importId?: string },
): Promise<ImportReport> {
  const importId = hooks.importId ?? randomUUID();
  // A file's statements take as long as the file needs, but a lock another writer holds is
  // waited for a minute at most: a job stuck on one fails ("import it again") instead of holding
  // its organization's imports for ever.
  await connection.query(
    nativeSql(sql.named('contact.importTimeouts')`select set_config('statement_timeout', '0', true),
      set_config('lock_timeout', '60s', true)`),
  );
  await createImportStaging(connection);
  await connection.query(nativeSql(actorSql(actor)));
  await nameImport(connection, importId);
  const problems = new Problems();
  const { rows, bytes, lines } = await stageRows(connection, input, format, problems, onProgress);
  // A phone on two lines: the later ones are refused, naming the first.
  for (const row of await repeatedImportPhones(connection)) {
    problems.add({
      line: row.line,
      messages: [repeatedPhone('primaryPhone', row.primaryPhone, `on line ${row.first}`)],
    });
  }
  problems.throwIfAny();
  const { created, updated } = await writeStaged(
    connection,
    actor,
    { rows, bytes, lines },
    {
      onProgress,
      afterLock: hooks.afterLock,
      batchLines: hooks.batchLines ?? WRITE_BATCH_LINES,
    },
  );
  const report = { importId, rows, created, updated, unchanged: rows - created - updated };
  await hooks.beforeCommit?.(connection, report);
  return report;
}

/**
 * Writes the staged lines: the contacts that change in one statement, then the new ones a range of
 * lines at a time, with progress after each.
 */
async function writeStaged(
  connection: ClientBase,
  actor: Actor,
  file: { rows: number; bytes: number; lines: number },
  {
    onProgress,
    afterLock,
    batchLines,
  }: {
    onProgress: (progress: ImportProgress) => void;
    afterLock?: ImportOptions['afterLock'];
    batchLines: number;
  },
): Promise<{ created: number; updated: number }> {
  await indexImportLines(connection);
  const total = { created: 0, updated: 0, rowsDone: 0, raced: 0 };
  total.updated = await updateImported(connection, actor.organizationId, { afterLock });
  for (let after = 0; after < file.lines; after += batchLines) {
    const range = { after, through: after + batchLines };
    const batch = await insertImportedLines(connection, actor.organizationId, range);
    total.created += batch.created;
    total.raced += batch.raced;
    total.rowsDone += batch.staged;
    onProgress({ rows: file.rows, rowsDone: total.rowsDone, bytes: file.bytes });
  }
  if (total.raced > 0) throw new ImportRaceError(total.raced);
  return total;
}

/** The text with every lone half of a surrogate pair replaced by U+FFFD (String#toWellFormed). */
function wellFormed(text: string): string {
  return text.replace(
    /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g,
    '\uFFFD',
  );
}

/** The rejected lines of an import: every one counted, the first LISTED_PROBLEMS listed. */
class Problems {
  private readonly listed: ImportProblem[] = [];
  private count = 0;

  add(problem: ImportProblem): void {
    this.count += 1;
    if (this.listed.length >= LISTED_PROBLEMS) return;
    // A message may quote the line, cut anywhere (JSON.parse's does): half a surrogate pair is
    // no text a client (or PostgreSQL's jsonb) can take.
    this.listed.push({
      ...problem,
      messages: problem.messages.map(wellFormed),
    });
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
 * (an unclosed quote, no header, no rows, bytes that are not UTF-8) is refused at once.
 */
async function stageRows(
  connection: ClientBase,
  input: Readable,
  format: ImportFormat,
  problems: Problems,
  onProgress: (progress: ImportProgress) => void,
): Promise<{ rows: number; bytes: number; lines: number }> {
  let rows = 0;
  let lines = 0;
  let failure: unknown;
  const decoder = utf8Text();
  const parser = format === 'csv' ? csvRecords() : ndjsonRecords();

  // Valid rows as lines of COPY's CSV, about 64 KiB at a time (one write per row costs more than
  // the row); a bad one is reported and leaves nothing behind.
  async function* checkedRows(records: AsyncIterable<ParsedRow>) {
    let batch = '';
    try {
      for await (const { record, line, messages } of records) {
        rows += 1;
        lines = line;
        if (rows > MAX_IMPORT_ROWS) {
          throw new ImportTooLargeError(`${MAX_IMPORT_ROWS.toLocaleString('en')} rows`);
        }
        if (rows % PROGRESS_EVERY === 0) onProgress({ rows, rowsDone: 0, bytes: decoder.bytes });
        const copied = messages
          ? (problems.add({ line, messages }), undefined)
          : checkedLine(record, line, problems);
        if (copied === undefined) continue;
        batch += copied;
        if (batch.length >= COPY_BATCH_CHARS) {
          yield batch;
          batch = '';
        }
      }
    } catch (error) {
      // What went wrong upstream (a bad byte, a line too long), before pipeline's own
      // AbortError of the stages it then stops can reach its answer first.
      if ((error as Error).name !== 'AbortError') failure ??= error;
      throw error;
    }
    if (batch) yield batch;
  }

  try {
    // The stages vary with the format, which pipeline's overloads cannot type.
    await (pipeline as unknown as (...stages: unknown[]) => Promise<void>)(
      input,
      decoder.stream,
      ...parser.stages,
      checkedRows,
      connection.query(copyFrom(IMPORT_COPY)),
    );
  } catch (error) {
    throw asRejection(failure ?? error);
  }
  onProgress({ rows, rowsDone: 0, bytes: decoder.bytes });
  if (format === 'csv' && !parser.started()) {
    throw new ImportRejectedError([{ line: 1, messages: ['the file is empty'] }]);
  }
  if (rows === 0) {
    const line = format === 'csv' ? 2 : 1;
    throw new ImportRejectedError([{ line, messages: ['the file holds no contacts'] }]);
  }
  return { rows, bytes: decoder.bytes, lines };
}

/**
 * The file's bytes as text, refused at the first byte that is not UTF-8 or is NUL (PostgreSQL's
 * text holds none), and past MAX_IMPORT_BYTES; counts the bytes for progress.
 */
function utf8Text() {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const state = { bytes: 0, lines: 1 };
  const refuse = (line: number, message: string) =>
    new ImportRejectedError([{ line, messages: [message] }]);
  // The line of the first character `bad` finds in the chunk's text (read leniently).
  const lineOf = (bytes: Buffer, bad: (text: string) => number) => {
    const text = bytes.toString('utf8');
    return state.lines + (text.slice(0, Math.max(0, bad(text))).match(/\n/g)?.length ?? 0);
  };
  const stream = new Transform({
    readableObjectMode: true,
    transform(chunk: Buffer | string, _encoding, done) {
      const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      const at = state.bytes;
      state.bytes += bytes.length;
      if (state.bytes > MAX_IMPORT_BYTES) {
        done(new ImportTooLargeError('1 GB'));
        return;
      }
      let text: string;
      try {
        text = decoder.decode(bytes, { stream: true });
      } catch {
        const line = lineOf(bytes, (lenient) => lenient.indexOf('\uFFFD'));
        done(refuse(line, `the file is not UTF-8 text (a byte that is not, after byte ${at})`));
        return;
      }
      if (text.includes('\0')) {
        const line = lineOf(bytes, (lenient) => lenient.indexOf('\0'));
        done(refuse(line, 'the line holds a NUL byte, which no contact field may hold'));
        return;
      }
      state.lines += text.match(/\n/g)?.length ?? 0;
      done(null, text);
    },
    flush(done) {
      try {
        const rest = decoder.decode();
        done(null, rest || undefined);
      } catch {
        done(refuse(state.lines, 'the file ends inside a UTF-8 character'));
      }
    },
  });
  return {
    stream,
    get bytes() {
      return state.bytes;
    },
  };
}

/** The stages that make a file's text into rows: CSV's parser, or NDJSON's lines. */
interface RowParser {
  stages:
    | [NodeJS.ReadWriteStream, (source: AsyncIterable<never>) => AsyncIterable<ParsedRow>]
    | [(source: AsyncIterable<string>) => AsyncIterable<ParsedRow>];
  /** Whether the file had a header (CSV). */
  started(): boolean;
}

/** CSV records with their line, the header checked first. */
function csvRecords(): RowParser {
  let header: string[] | undefined;
  const parser = parse({
    bom: true,
    trim: true,
    skip_empty_lines: true,
    info: true,
    max_record_size: MAX_LINE_CHARS,
    columns: (names: string[]) => {
      header = names;
      assertHeader(names);
      return names;
    },
  });
  async function* rows(source: AsyncIterable<CsvRecord>): AsyncIterable<ParsedRow> {
    for await (const { record, info } of source) yield { record, line: info.lines };
  }
  return {
    stages: [parser, rows as (source: AsyncIterable<never>) => AsyncIterable<ParsedRow>],
    started: () => header !== undefined,
  };
}

/**
 * NDJSON: a contact object a line, with the API's field names (an empty line is skipped). A line
 * that is no JSON object, or names a field a contact has not, is that line's problem; a line past
 * MAX_LINE_CHARS refuses the file as it arrives.
 */
function ndjsonRecords(): RowParser {
  async function* rows(source: AsyncIterable<string>): AsyncIterable<ParsedRow> {
    let rest = '';
    let line = 0;
    const parsed = (text: string): ParsedRow | undefined => {
      line += 1;
      const trimmed = text.trim();
      if (trimmed === '') return undefined;
      return ndjsonRow(trimmed, line);
    };
    for await (const chunk of source) {
      rest += chunk;
      let newline = rest.indexOf('\n');
      let from = 0;
      while (newline >= 0) {
        const row = parsed(rest.slice(from, newline));
        if (row) yield row;
        from = newline + 1;
        newline = rest.indexOf('\n', from);
      }
      rest = rest.slice(from);
      if (rest.length > MAX_LINE_CHARS) {
        throw new ImportRejectedError([
          { line: line + 1, messages: [`the line is longer than ${MAX_LINE_CHARS} characters`] },
        ]);
      }
    }
    const last = parsed(rest);
    if (last) yield last;
  }
  return { stages: [rows], started: () => true };
}

function ndjsonRow(text: string, line: number): ParsedRow {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { record: {}, line, messages: [`the line is not JSON: ${(error as Error).message}`] };
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { record: {}, line, messages: ['the line must be a JSON object (a contact)'] };
  }
  const unknown = Object.keys(value).filter((name) => !NDJSON_FIELDS.includes(name));
  if (unknown.length > 0) {
    return {
      record: {},
      line,
      messages: unknown.map((name) => `property ${name} should not exist`),
    };
  }
  return { record: value as Record<string, unknown>, line };
}

/**
 * A row as a line of COPY's CSV, checked with the API's rules and options (synchronously: a
 * million rows cannot wait on a promise each); undefined, and a problem, when it breaks one.
 * Staged even after a refused line (the staging table goes with the transaction): a phone
 * repeated on a later line is found there, and reported with the rest.
 */
function checkedLine(
  record: Record<string, unknown>,
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
  if (error instanceof ImportRejectedError || error instanceof ImportTooLargeError) return error;
  const { code, lines, message } = error as { code?: string; lines?: number; message: string };
  if (typeof code === 'string' && code.startsWith('CSV_')) {
    return new ImportRejectedError([{ line: lines ?? 1, messages: [message] }]);
  }
  return error;
}

interface CsvRecord {
  record: Record<string, string>;
  info: { lines: number };
}

/** A row of the file: its fields, its line, and what is wrong with it before any rule runs. */
interface ParsedRow {
  record: Record<string, unknown>;
  line: number;
  messages?: string[];
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

/**
 * A row as the API's input: an empty (or, in NDJSON, null) e-mail is no e-mail, an empty consent
 * none given. Values keep their JSON types, so that a number where a name goes is refused.
 */
function toInput(record: Record<string, unknown>): CreateContactInput {
  const contact = new CreateContactInput();
  contact.firstName = record.firstName as string;
  contact.lastName = record.lastName as string;
  contact.primaryPhone = record.primaryPhone as string;
  if (
    record.primaryEmail !== '' &&
    record.primaryEmail !== null &&
    record.primaryEmail !== undefined
  )
    contact.primaryEmail = record.primaryEmail as string;
  // An empty consent cell, or no such column, is none given: the contact's stays.
  if (record.smsConsent) contact.smsConsent = record.smsConsent as ConsentStatus;
  if (record.emailConsent) contact.emailConsent = record.emailConsent as ConsentStatus;
  return contact;
}

/** A value as a field of COPY's CSV format: always quoted, quotes doubled. */
function csvField(value: string): string {
  return `"${value.replace(/"/g, '""')}"`;
}
