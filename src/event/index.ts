import type { Knex } from '@mikro-orm/postgresql';
import path from 'node:path';
import type { Actor } from '../organization/actor';
import { EventEntity, EventSequenceEntity } from './event.entity';
import { EventResolver, EventSubscriptionResolver } from './event.resolver';
import { eventRoutes } from './event.routes';
import { EventService } from './event.service';

/**
 * What the app's assembly (src/features.ts) takes of events: the one place they are listed. The
 * record is written by the database (event.sql) from the other features' tables; this reads it.
 */
export const eventFeature = {
  entities: [EventEntity, EventSequenceEntity],
  database: [path.join(__dirname, 'event.sql')],
  resolvers: [EventResolver, EventSubscriptionResolver],
  routes: [eventRoutes],
  services: (db: Knex, actor: Actor | null) => ({ events: new EventService(db, actor) }),
};
