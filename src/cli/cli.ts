#!/usr/bin/env node
import 'reflect-metadata';
import type { Knex } from '@mikro-orm/postgresql';
import { parseArgs } from 'node:util';
import { assertUuid } from '../common/validation';
import { loadConfig } from '../config/config';
import { ImportRunner } from '../bulk/import-runner';
import { ContactImportService } from '../bulk/import.service';
import type { ContactImport } from '../bulk/import-job.type';
import { FileUnreadableError } from '../bulk/import-upload';
import { NotFoundError } from '../common/errors';
import { connectOrm, resolveDatabase } from '../database/database';
import { seedDemo } from '../demo/demo-seed';
import { issueApiKey, revokeApiKey } from '../organization/api-key.service';
import { createOrganization, findOwner } from '../organization/organization.service';
import { DATABASE_LOGIC, ENTITIES } from '../features';

const USAGE = `Usage: audience-gateway <command>

  org create --name NAME [--user NAME]      create an organization, its first user and an API key
  apikey create --org ORGANIZATION_ID       issue another API key for the organization's first user
  apikey revoke API_KEY_ID                  revoke an API key
  contacts import --org ORGANIZATION_ID [--audience AUDIENCE_ID] [--format csv|ndjson] FILE
                                            import contacts as a job, as POST /api/contacts/imports does
                                            (CSV: header firstName,lastName,primaryPhone,primaryEmail;
                                            NDJSON for .ndjson/.jsonl files), and print the job
  seed demo                                 create a demo organization with contacts and audiences

Reaches DATABASE_URL when set, otherwise the embedded PostgreSQL of DATA_DIR (default ./.data),
also while the service is running on it. Results are printed as JSON.`;

/** A mistake in the command line or its data: printed without a stack trace. */
class CliError extends Error {}

type Command = (db: Knex, args: string[]) => Promise<unknown>;

const COMMANDS: Record<string, Command> = {
  'org create': async (db, args) => {
    const { values } = parseArgs({
      args,
      options: { name: { type: 'string' }, user: { type: 'string' } },
    });
    const name = values.name?.trim();
    if (!name || name.length > 128) throw new CliError('--name is required (1 to 128 characters)');
    const { organizationId, userId, apiKeyId, apiKey } = await createOrganization(
      db,
      name,
      values.user?.trim() || undefined,
    );
    return { organizationId, userId, apiKeyId, apiKey };
  },
  'apikey create': async (db, args) => {
    const organizationId = await requireOrganization(db, args);
    const userId = (await findOwner(db, organizationId))!;
    return { organizationId, userId, ...(await issueApiKey(db, organizationId, userId)) };
  },
  'apikey revoke': async (db, args) => {
    const { positionals } = parseArgs({ args, allowPositionals: true });
    const apiKeyId = uuidOrFail('API_KEY_ID', positionals[0]);
    if (!(await revokeApiKey(db, apiKeyId)))
      throw new CliError(`no live API key has the id ${apiKeyId}`);
    return { apiKeyId, revoked: true };
  },
  'contacts import': async (db, args) => {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        org: { type: 'string' },
        audience: { type: 'string' },
        format: { type: 'string' },
      },
    });
    const organizationId = await requireOrganization(db, ['--org', values.org ?? '']);
    const file = positionals[0];
    if (!file) throw new CliError('the file is required');
    const format = values.format ?? (/\.(ndjson|jsonl)$/i.test(file) ? 'ndjson' : 'csv');
    if (format !== 'csv' && format !== 'ndjson') {
      throw new CliError(`--format must be csv or ndjson, got ${format}`);
    }
    const audienceId =
      values.audience === undefined ? undefined : uuidOrFail('--audience', values.audience);
    const userId = (await findOwner(db, organizationId))!;
    // The same job as an upload makes (src/bulk): its row, its runner, its report.
    const runner = new ImportRunner(db, {
      concurrency: 1,
      leaseMs: loadConfig().importLeaseMs,
      log: {
        info: () => undefined,
        warn: (details, message) => console.error(message, details),
        error: (details, message) => console.error(message, details),
      },
    });
    const imports = new ContactImportService(db, { organizationId, userId });
    const progress = progressLine();
    try {
      const started = await imports
        .startFile({ format, path: file, audienceId })
        .catch((error: unknown) => {
          if (error instanceof FileUnreadableError || error instanceof NotFoundError) {
            throw new CliError(error.message);
          }
          throw error;
        });
      const job = await imports.finished(started.id, progress.update);
      progress.done();
      if (job.status === 'failed') {
        const lines = job.problems.map(
          (problem) => `line ${problem.line}: ${problem.messages.join('; ')}`,
        );
        if (job.rejected > job.problems.length) {
          lines.push(`… and ${job.rejected - job.problems.length} more`);
        }
        console.log(JSON.stringify(job, null, 2));
        throw new CliError(
          `${file} was not imported (nothing was written): ${job.reason ?? `${job.rejected} line${job.rejected === 1 ? '' : 's'} rejected`}${lines.length ? `\n${lines.join('\n')}` : ''}`,
        );
      }
      return job;
    } finally {
      progress.done();
      await runner.close();
    }
  },
  'seed demo': async (db) => {
    const { organizationId, userId, apiKeyId, apiKey } = await seedDemo(db);
    return { organizationId, userId, apiKeyId, apiKey };
  },
};

function uuidOrFail(name: string, value: string | undefined): string {
  try {
    return assertUuid(name, value);
  } catch {
    throw new CliError(
      `${name} must be a UUID, got ${value === undefined ? 'nothing' : JSON.stringify(value)}`,
    );
  }
}

async function requireOrganization(db: Knex, args: string[]): Promise<string> {
  const { values } = parseArgs({ args, options: { org: { type: 'string' } } });
  const organizationId = uuidOrFail('--org', values.org);
  if (!(await findOwner(db, organizationId)))
    throw new CliError(`no organization has the id ${organizationId}`);
  return organizationId;
}

async function main(argv: string[]): Promise<number> {
  const command = COMMANDS[argv.slice(0, 2).join(' ')];
  if (!command) {
    console.error(USAGE);
    return argv.length === 0 || argv[0] === '--help' ? 0 : 2;
  }
  const config = loadConfig();
  const database = await resolveDatabase(config, { reuseRunning: true, log: () => undefined });
  const { orm } = await connectOrm({
    url: database.url,
    migrationsUrl: config.migrationsDatabaseUrl,
    transactionPooling: config.transactionPooling,
    poolSize: 2,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  try {
    const result = await command(orm.em.getKnex(), argv.slice(2));
    console.log(JSON.stringify(result, null, 2));
    return 0;
  } finally {
    await orm.close();
    await database.stop();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof CliError || error instanceof TypeError ? error.message : error);
    process.exit(1);
  },
);

/**
 * Progress of a long import on a terminal (stderr, rewritten in place; stdout keeps the JSON
 * result), from the job as it is polled. Nothing when stderr is not a terminal, such as in a
 * script or a test.
 */
function progressLine() {
  const shown = process.stderr.isTTY;
  const started = Date.now();
  let open = false;
  return {
    update({ status, rows, rowsDone }: ContactImport): void {
      if (!shown) return;
      open = true;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `\r${status}: ${rows.toLocaleString('en')} rows read, ${rowsDone.toLocaleString('en')} written in ${seconds} s`,
      );
    },
    done(): void {
      if (shown && open) process.stderr.write('\n');
      open = false;
    },
  };
}
