#!/usr/bin/env node
import 'reflect-metadata';
import type { Knex } from '@mikro-orm/postgresql';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { assertUuid } from '../common/validation';
import { loadConfig } from '../config/config';
import {
  type ImportProgress,
  ImportRejectedError,
  importContacts,
} from '../contact/contact-import';
import { connectOrm, resolveDatabase } from '../database/database';
import { seedDemo } from '../demo/demo-seed';
import { issueApiKey, revokeApiKey } from '../organization/api-key.service';
import { createOrganization, findOwner } from '../organization/organization.service';
import { DATABASE_LOGIC, ENTITIES } from '../features';

const USAGE = `Usage: audience-gateway <command>

  org create --name NAME [--user NAME]      create an organization, its first user and an API key
  apikey create --org ORGANIZATION_ID       issue another API key for the organization's first user
  apikey revoke API_KEY_ID                  revoke an API key
  contacts import --org ORGANIZATION_ID FILE.csv
                                            import contacts (header firstName,lastName,primaryPhone,primaryEmail)
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
      options: { org: { type: 'string' } },
    });
    const organizationId = await requireOrganization(db, ['--org', values.org ?? '']);
    const file = positionals[0];
    if (!file) throw new CliError('the CSV file is required');
    const size = await stat(file).then(
      (info) => info.size,
      (error: Error) => {
        throw new CliError(`cannot read ${file}: ${error.message}`);
      },
    );
    const userId = (await findOwner(db, organizationId))!;
    const progress = progressLine(size);
    try {
      const report = await importContacts(db, { organizationId, userId }, createReadStream(file), {
        onProgress: progress.update,
      });
      return { organizationId, ...report };
    } catch (error) {
      if (error instanceof ImportRejectedError) {
        throw new CliError(`${file} was not imported (nothing was written): ${error.message}`);
      }
      throw error;
    } finally {
      progress.done();
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
 * result). Nothing when stderr is not a terminal, such as in a script or a test.
 */
function progressLine(totalBytes: number) {
  const shown = process.stderr.isTTY;
  const started = Date.now();
  return {
    update({ rows, bytes }: ImportProgress): void {
      if (!shown) return;
      const percent = totalBytes > 0 ? Math.min(100, Math.floor((bytes / totalBytes) * 100)) : 100;
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      process.stderr.write(
        `\r${rows.toLocaleString('en')} rows read (${percent} %) in ${seconds} s`,
      );
    },
    done(): void {
      if (shown) process.stderr.write('\n');
    },
  };
}
