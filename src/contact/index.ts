import type { Knex } from '@mikro-orm/postgresql';
import path from 'node:path';
import type { Actor } from '../organization/actor';
import { ContactEntity } from './contact.entity';
import { ContactResolver } from './contact.resolver';
import { contactRoutes } from './contact.routes';
import { ContactService } from './contact.service';

/** What the app's assembly (src/features.ts) takes of contacts: the one place they are listed. */
export const contactFeature = {
  entities: [ContactEntity],
  // Its functions and triggers (the organization's contact counts, search pieces).
  database: [path.join(__dirname, 'contact.sql')],
  resolvers: [ContactResolver],
  routes: [contactRoutes],
  services: (db: Knex, actor: Actor | null) => ({ contacts: new ContactService(db, actor) }),
};
