import type { Knex, MikroORM } from '@mikro-orm/postgresql';

/**
 * The knex of each read replica MikroORM connected (DATABASE_REPLICA_URLS), in order. MikroORM
 * itself hands out a replica at random on every `getKnex('read')`, with no health check; to skip
 * one that is down, the service needs each by itself. MikroORM keeps them in a protected field of
 * its driver, read here and nowhere else.
 */
export function replicaKnexes(orm: MikroORM): Knex[] {
  const driver = orm.em.getDriver() as unknown as {
    replicas: { getKnex(): Knex }[];
  };
  return driver.replicas.map((replica) => replica.getKnex());
}
