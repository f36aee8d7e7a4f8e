import type { Knex } from '@mikro-orm/postgresql';
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../common/errors';
import { validateInput } from '../common/validation';
import type { Actor } from '../organization/actor';
import { CreateContactInput, MAX_CONTACTS_PER_CREATE } from './contact.input';
import { ContactService } from './contact.service';

const CSV_COLUMNS = ['firstName', 'lastName', 'primaryPhone', 'primaryEmail'] as const;

export interface ImportProblem {
  /** 1-based line of the CSV file (the header is line 1). */
  line: number;
  messages: string[];
}

/** A CSV file that cannot be imported whole: nothing was imported. */
export class ImportRejectedError extends Error {
  constructor(readonly problems: ImportProblem[]) {
    super(
      problems.map((problem) => `line ${problem.line}: ${problem.messages.join('; ')}`).join('\n'),
    );
    this.name = 'ImportRejectedError';
  }
}

interface ParsedRow {
  record: Record<string, string>;
  info: { lines: number };
}

/**
 * Imports contacts from CSV text with the header firstName,lastName,primaryPhone,primaryEmail.
 * Every row is checked with the same rules as the API before anything is written, and the rows go
 * in one transaction: the file is imported whole or not at all.
 */
export async function importContactsCsv(db: Knex, actor: Actor, csv: string): Promise<number> {
  const rows = parseRows(csv);
  const problems: ImportProblem[] = [];
  const inputs: CreateContactInput[] = [];
  for (const { record, info } of rows) {
    const { primaryEmail, ...rest } = record;
    try {
      inputs.push(
        await validateInput(CreateContactInput, primaryEmail ? { ...rest, primaryEmail } : rest),
      );
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push({ line: info.lines, messages: error.problems.flatMap((p) => p.messages) });
    }
  }
  if (problems.length > 0) throw new ImportRejectedError(problems);
  await db.transaction(async (trx) => {
    const contacts = new ContactService(trx, actor);
    for (let start = 0; start < inputs.length; start += MAX_CONTACTS_PER_CREATE) {
      await contacts.create(inputs.slice(start, start + MAX_CONTACTS_PER_CREATE));
    }
  });
  return inputs.length;
}

function parseRows(csv: string): ParsedRow[] {
  let header: string[] = [];
  let rows: ParsedRow[];
  try {
    rows = parse(csv, {
      bom: true,
      trim: true,
      skip_empty_lines: true,
      info: true,
      columns: (names: string[]) => (header = names),
    }) as ParsedRow[];
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    throw new ImportRejectedError([{ line, messages: [(error as Error).message] }]);
  }
  const missing = CSV_COLUMNS.filter((column) => !header.includes(column));
  const unknown = header.filter((column) => !(CSV_COLUMNS as readonly string[]).includes(column));
  if (missing.length > 0 || unknown.length > 0) {
    throw new ImportRejectedError([
      {
        line: 1,
        messages: [
          `the header must be ${CSV_COLUMNS.join(',')}` +
            (missing.length ? `; missing: ${missing.join(', ')}` : '') +
            (unknown.length ? `; unknown: ${unknown.join(', ')}` : ''),
        ],
      },
    ]);
  }
  if (rows.length === 0)
    throw new ImportRejectedError([{ line: 2, messages: ['the file holds no contacts'] }]);
  return rows;
}
