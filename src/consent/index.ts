import type { Knex } from '@mikro-orm/postgresql';
import path from 'node:path';
import type { Actor } from '../organization/actor';
import { ConsentChangeEntity } from './consent-change.entity';
import { ConsentResolver, ContactConsentResolver } from './consent.resolver';
import { consentRoutes } from './consent.routes';
import { ConsentService } from './consent.service';
import { SmsKeywordEntity } from './sms-keyword.entity';

/**
 * What the app's assembly (src/features.ts) takes of consent: the one place it is listed. A
 * contact's own consent (its statuses, and the counts kept of them) is the contact's and the
 * membership's (contact/consent.*.ts, contact.sql, membership.sql); this is the record of its
 * changes, opt-out lists and inbound keywords.
 */
export const consentFeature = {
  entities: [ConsentChangeEntity, SmsKeywordEntity],
  // Its trigger: the record of every consent change.
  database: [path.join(__dirname, 'consent.sql')],
  resolvers: [ContactConsentResolver, ConsentResolver],
  routes: [consentRoutes],
  services: (db: Knex, actor: Actor | null) => ({ consent: new ConsentService(db, actor) }),
};
