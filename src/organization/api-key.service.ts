import type { Knex } from '@mikro-orm/postgresql';
import { createHash, randomBytes } from 'node:crypto';
import { insertApiKey, revokeLiveApiKey } from './organization.repository';

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
  const apiKeyId = await insertApiKey(db, { organizationId, userId, keyHash: hashApiKey(apiKey) });
  return { apiKeyId, apiKey };
}

/** Revokes a key by id; false when no live key has that id. */
export function revokeApiKey(db: Knex, apiKeyId: string): Promise<boolean> {
  return revokeLiveApiKey(db, apiKeyId);
}

/** Whether a key has the shape of one this service issues; any other is refused unhashed. */
export function isWellFormedApiKey(apiKey: string): boolean {
  return apiKey.startsWith(KEY_PREFIX) && apiKey.length <= MAX_KEY_LENGTH;
}
