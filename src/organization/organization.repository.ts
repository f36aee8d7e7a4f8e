import type { Knex } from '@mikro-orm/postgresql';
import { queryRows, sql } from '../database/sql';
import type { Actor } from './actor';

/** The SQL of organizations, their users and API keys; the rules are the services'. */

export async function insertOrganization(db: Knex, name: string): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql.named('organization.insert')`insert into organization (name) values (${name}) returning id`,
  );
  return row!.id;
}

export async function insertUser(db: Knex, organizationId: string, name: string): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql.named('organization.insertUser')`insert into app_user (organization_id, name)
      values (${organizationId}, ${name}) returning id`,
  );
  return row!.id;
}

/** The organization's first user; undefined when there is no such organization. */
export async function findFirstUser(db: Knex, organizationId: string): Promise<string | undefined> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql.named('organization.firstUser')`select id from app_user
      where organization_id = ${organizationId} order by created_at, id limit 1`,
  );
  return row?.id;
}

export async function insertApiKey(
  db: Knex,
  key: { organizationId: string; userId: string; keyHash: string },
): Promise<string> {
  const [row] = await queryRows<{ id: string }>(
    db,
    sql.named('apiKey.insert')`insert into api_key (organization_id, user_id, key_hash)
      values (${key.organizationId}, ${key.userId}, ${key.keyHash}) returning id`,
  );
  return row!.id;
}

/** Revokes a live key by id; false when no live key has that id. */
export async function revokeLiveApiKey(db: Knex, apiKeyId: string): Promise<boolean> {
  const revoked = await queryRows(
    db,
    sql.named('apiKey.revoke')`update api_key set revoked_at = now()
      where id = ${apiKeyId} and revoked_at is null returning id`,
  );
  return revoked.length > 0;
}

/** The actor of a live key, by the key's hash; null for an unknown or revoked one. */
export async function findActorByKeyHash(db: Knex, keyHash: string): Promise<Actor | null> {
  const [actor] = await queryRows<Actor>(
    db,
    sql.named('apiKey.actorByHash')`select organization_id as "organizationId",
      user_id as "userId", id as "apiKeyId" from api_key where key_hash = ${keyHash} and revoked_at is null`,
  );
  return actor ?? null;
}
