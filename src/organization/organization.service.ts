import type { Knex } from '@mikro-orm/postgresql';
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
    const [organization] = await trx('organization').insert({ name }).returning('id');
    const organizationId = (organization as { id: string }).id;
    const [user] = await trx('app_user')
      .insert({ organization_id: organizationId, name: userName })
      .returning('id');
    const userId = (user as { id: string }).id;
    const key = await issueApiKey(trx, organizationId, userId);
    return { organizationId, userId, ...key };
  });
}

/** The organization's first user, who acts for command-line operations; undefined if no such org. */
export async function findOwner(db: Knex, organizationId: string): Promise<string | undefined> {
  const row = (await db('app_user')
    .select('id')
    .where({ organization_id: organizationId })
    .orderBy([{ column: 'created_at' }, { column: 'id' }])
    .first()) as { id: string } | undefined;
  return row?.id;
}
