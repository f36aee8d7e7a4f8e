import type { Knex } from '@mikro-orm/postgresql';
import { queryRows, sql } from '../database/sql';
import { issueApiKey } from './api-key.service';

export interface CreatedOrganization {
  organizationId: string;
  userId: string;
  apiKeyId: string;
  apiKey: string;
}

/** Creates an organization with its first user and that user's first API key, all or nothing. */
export async function createOrganization(
  db: Knex,
  name: string,
  userName = 'Owner',
): Promise<CreatedOrganization> {
  return db.transaction(async (trx) => {
    const [organization] = await queryRows<{ id: string }>(
      trx,
      sql.named(
        'organization.insert',
      )`insert into organization (name) values (${name}) returning id`,
    );
    const organizationId = organization!.id;
    const [user] = await queryRows<{ id: string }>(
      trx,
      sql.named(
        'organization.insertUser',
      )`insert into app_user (organization_id, name) values (${organizationId}, ${userName})
          returning id`,
    );
    const userId = user!.id;
    const key = await issueApiKey(trx, organizationId, userId);
    return { organizationId, userId, ...key };
  });
}

/** The organization's first user, who acts for command-line operations; undefined if no such org. */
export async function findOwner(db: Knex, organizationId: string): Promise<string | undefined> {
  const [owner] = await queryRows<{ id: string }>(
    db,
    sql.named(
      'organization.owner',
    )`select id from app_user where organization_id = ${organizationId}
        order by created_at, id limit 1`,
  );
  return owner?.id;
}
