import type { Knex } from '@mikro-orm/postgresql';
import type { ClientBase } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { PassThrough, type Readable } from 'node:stream';
import { findAudience } from '../audience/audience.repository';
import { NotFoundError, ServiceUnavailableError } from '../common/errors';
import { searchTerm } from '../common/search';
import { assertUuid, validateInput } from '../common/validation';
import { consentFilterOf } from '../contact/consent.args';
import { type ContactExportQuery, contactExportStatement } from '../contact/contact.repository';
import { inlinedSql, type Sql } from '../database/sql';
import { memberExportStatement } from '../membership/membership.repository';
import { requireActor, type Actor } from '../organization/actor';
import { ContactExportArgs, type ExportFormat } from './export.args';

// An export reads as fast as its client takes it; past this its statement is cancelled (a
// client that stopped reading holds a connection no longer).
const EXPORT_TIMEOUT_MS = 600_000;
/**
 * Exports running at once on an instance, each holding a connection of the requests' pool while
 * its client reads: past this, an export is refused (503, try again) rather than starve the API.
 */
export const MAX_EXPORTS = 2;
let running = 0;

/** An export as it is sent: its stream, its media type and a file name. */
export interface ContactExport {
  format: ExportFormat;
  contentType: string;
  filename: string;
  body: Readable;
}

/** Exports of contacts: every rule of what an export holds is here and in the statements. */
export class ContactExportService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  /** The organization's contacts that a list page with these arguments lists, all of them. */
  async contacts(args: Partial<ContactExportArgs>): Promise<ContactExport> {
    const { organizationId } = requireActor(this.actor);
    const { format, query } = await exportQuery(args);
    return this.export(format, 'contacts', contactExportStatement(organizationId, query));
  }

  /** An audience's members that its member pages with these arguments list, all of them. */
  async audienceContacts(id: string, args: Partial<ContactExportArgs>): Promise<ContactExport> {
    const { organizationId } = requireActor(this.actor);
    const audienceId = assertUuid('id', id);
    const { format, query } = await exportQuery(args);
    if (!(await findAudience(this.db, organizationId, audienceId))) {
      throw new NotFoundError('Audience', audienceId);
    }
    return this.export(
      format,
      `audience-${audienceId}-contacts`,
      memberExportStatement(organizationId, audienceId, query),
    );
  }

  /**
   * Streams the rows through COPY, PostgreSQL's fastest way out (its own CSV writer; an NDJSON
   * line is a row's JSON, written by PostgreSQL too), on a connection held for the export alone:
   * one statement, so one snapshot however long the client takes, and memory flat.
   */
  private async export(format: ExportFormat, name: string, rows: Sql): Promise<ContactExport> {
    const text =
      format === 'csv'
        ? `copy (${inlinedSql(rows.named('bulk.exportCsv'))}) to stdout with (format csv, header true, force_quote *)`
        : // No JSON text holds a raw control character, so neither the quote nor the delimiter
          // chosen here can appear in a line: each line is written as it is.
          `copy (select row_to_json(e)::text from (${inlinedSql(rows.named('bulk.exportNdjson'))}) e) to stdout with (format csv, quote e'\\x01', delimiter e'\\x02')`;
    const client = this.db.client as {
      acquireConnection(): Promise<ClientBase>;
      releaseConnection(connection: ClientBase): Promise<void>;
    };
    if (running >= MAX_EXPORTS) {
      throw new ServiceUnavailableError(
        `${MAX_EXPORTS} exports are running on this instance; try again shortly`,
      );
    }
    running += 1;
    let connection: ClientBase;
    try {
      connection = await client.acquireConnection();
    } catch (error) {
      running -= 1;
      throw error;
    }
    let released = false;
    const release = async (broken: boolean) => {
      if (released) return;
      released = true;
      running -= 1;
      // A COPY left halfway leaves its connection unusable: it is closed, not pooled again.
      if (broken) {
        await (connection as unknown as { end(): Promise<void> }).end().catch(() => undefined);
      }
      await client.releaseConnection(connection).catch(() => undefined);
    };
    try {
      await connection.query('begin transaction read only');
      await connection.query(`set local statement_timeout = ${EXPORT_TIMEOUT_MS}`);
    } catch (error) {
      await release(true);
      throw error;
    }
    const copy = connection.query(copyTo(text));
    const body = new PassThrough();
    let finished = false;
    copy.on('end', () => {
      finished = true;
      void connection
        .query('commit')
        .then(
          () => release(false),
          () => release(true),
        )
        .catch(() => undefined);
    });
    copy.on('error', (error) => {
      finished = true;
      body.destroy(error);
      void release(true);
    });
    // The client went away first: the COPY stops with its connection.
    body.on('close', () => {
      if (!finished) {
        finished = true;
        copy.destroy();
        void release(true);
      }
    });
    copy.pipe(body);
    const extension = format === 'csv' ? 'csv' : 'ndjson';
    return {
      format,
      contentType:
        format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8',
      filename: `${name}.${extension}`,
      body,
    };
  }
}

async function exportQuery(
  args: Partial<ContactExportArgs>,
): Promise<{ format: ExportFormat; query: ContactExportQuery }> {
  const valid = await validateInput(ContactExportArgs, args);
  return {
    format: valid.format,
    query: {
      search: searchTerm(valid.search),
      consent: consentFilterOf(valid),
      sortBy: valid.sortBy,
      sortOrder: valid.sortOrder,
    },
  };
}
