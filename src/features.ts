import type { EntityClass } from '@mikro-orm/core';
import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ClassType } from 'type-graphql';
import { audienceFeature } from './audience';
import { bulkFeature } from './bulk';
import { consentFeature } from './consent';
import { contactFeature } from './contact';
import { eventFeature } from './event';
import { federationFeature } from './federation';
import { membershipFeature } from './membership';
import { nodeFeature } from './node';
import { organizationFeature } from './organization';
import { webhookFeature } from './webhook';
import type { Actor } from './organization/actor';

/**
 * Every feature of the service. Each folder's index lists its entities, resolvers, routes and
 * request services; the assembly (ORM options, GraphQL schema, REST plugin, request context)
 * takes them from here, so adding a feature is its folder and one line in this list.
 */
export const FEATURES = [
  organizationFeature,
  contactFeature,
  audienceFeature,
  membershipFeature,
  consentFeature,
  eventFeature,
  webhookFeature,
  bulkFeature,
  nodeFeature,
  federationFeature,
] as const;

type Feature = (typeof FEATURES)[number];
type Intersection<U> = (U extends unknown ? (part: U) => void : never) extends (
  all: infer I,
) => void
  ? I
  : never;

/** The services of one request: what every feature's `services` builds, side by side. */
export type FeatureServices = Intersection<ReturnType<Feature['services']>>;

/** The services of one request, on `db` (the pool or a transaction), as `actor`. */
export function servicesFor(db: Knex, actor: Actor | null): FeatureServices {
  return Object.assign({}, ...FEATURES.map((feature) => feature.services(db, actor)));
}

/** A feature's REST routes: a Fastify plugin that reaches a request's services through this. */
export type FeatureRoutes = (
  app: FastifyInstance,
  options: { servicesOf: (request: FastifyRequest) => FeatureServices },
) => Promise<void>;

export const ENTITIES = FEATURES.flatMap<EntityClass<object>>((feature) => feature.entities);
/** The features' database logic files (functions and triggers), applied in this order. */
export const DATABASE_LOGIC: readonly string[] = FEATURES.flatMap<string>(
  (feature) => feature.database,
);
export const ROUTES: FeatureRoutes[] = FEATURES.flatMap<FeatureRoutes>((feature) => feature.routes);

/** The resolvers of the schema; without federation, the client API alone (schema.graphql). */
export function resolversOf({ federation }: { federation: boolean }): [ClassType, ...ClassType[]] {
  const [first, ...rest] = FEATURES.filter(
    (feature) => federation || feature !== federationFeature,
  ).flatMap<ClassType>((feature) => feature.resolvers);
  if (!first) throw new Error('no feature declares a resolver');
  return [first, ...rest];
}
