import type { Knex } from '@mikro-orm/postgresql';
import { findFirstUser, insertOrganization, insertUser } from './organization.repository';
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
    const organizationId = await insertOrganization(trx, name);
    const userId = await insertUser(trx, organizationId, userName);
    const key = await issueApiKey(trx, organizationId, userId);
    return { organizationId, userId, ...key };
  });
}

/** The organization's first user, who acts for command-line operations; undefined if no such org. */
export function findOwner(db: Knex, organizationId: string): Promise<string | undefined> {
  return findFirstUser(db, organizationId);
}
