import type { Knex } from '@mikro-orm/postgresql';
import { createHash, randomBytes } from 'node:crypto';
import { queryRows, sql } from '../database/sql';
import type { Actor } from './actor';

const KEY_PREFIX = 'agk_';
// A key is the prefix and 43 base64url characters; anything much longer is not worth hashing.
const MAX_KEY_LENGTH = 128;

export interface IssuedApiKey {
  apiKeyId: string;
  /** The key itself: shown once, never stored. */
  apiKey: string;
}

/**
 * Keys are 256 random bits, so a single SHA-256 is a sound way to store them (no slow hash needed),
 * and looking a key up by its hash compares secrets in the database index, not byte by byte here:
 * how long the lookup takes says nothing about how much of a guessed key was right.
 */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

export async function issueApiKey(
  db: Knex,
  organizationId: string,
  userId: string,
): Promise<IssuedApiKey> {
  const apiKey = KEY_PREFIX + randomBytes(32).toString('base64url');
  const [row] = await queryRows<{ id: string }>(
    db,
    sql.named('apiKey.issue')`insert into api_key (organization_id, user_id, key_hash)
        values (${organizationId}, ${userId}, ${hashApiKey(apiKey)}) returning id`,
  );
  return { apiKeyId: row!.id, apiKey };
}

/** Revokes a key by id; false when no live key has that id. */
export async function revokeApiKey(db: Knex, apiKeyId: string): Promise<boolean> {
  const revoked = await queryRows(
    db,
    sql.named('apiKey.revoke')`update api_key set revoked_at = now()
        where id = ${apiKeyId} and revoked_at is null returning id`,
  );
  return revoked.length > 0;
}

/** Whether a key has the shape of one this service issues; any other is refused unhashed. */
export function isWellFormedApiKey(apiKey: string): boolean {
  return apiKey.startsWith(KEY_PREFIX) && apiKey.length <= MAX_KEY_LENGTH;
}

/** The actor of a live key, by the key's hash; null for an unknown or revoked one. */
export async function findActorByKeyHash(db: Knex, keyHash: string): Promise<Actor | null> {
  const [actor] = await queryRows<Actor>(
    db,
    sql.named(
      'apiKey.actorByHash',
    )`select organization_id as "organizationId", user_id as "userId" from api_key
        where key_hash = ${keyHash} and revoked_at is null`,
  );
  return actor ?? null;
}
