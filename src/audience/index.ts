import type { Knex } from '@mikro-orm/postgresql';
import path from 'node:path';
import type { Actor } from '../organization/actor';
import { AudienceSearchGramEntity } from './audience-search-gram.entity';
import { AudienceEntity } from './audience.entity';
import { AudienceResolver } from './audience.resolver';
import { audienceRoutes } from './audience.routes';
import { AudienceService } from './audience.service';

/** What the app's assembly (src/features.ts) takes of audiences: the one place they are listed. */
export const audienceFeature = {
  entities: [AudienceEntity, AudienceSearchGramEntity],
  // Its functions and triggers (each organization's live audience count).
  database: [path.join(__dirname, 'audience.sql')],
  resolvers: [AudienceResolver],
  routes: [audienceRoutes],
  services: (db: Knex, actor: Actor | null) => ({ audiences: new AudienceService(db, actor) }),
};
