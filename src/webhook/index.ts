import type { Knex } from '@mikro-orm/postgresql';
import type { Actor } from '../organization/actor';
import { WebhookDeliveryEntity, WebhookSubscriptionEntity } from './webhook.entity';
import { WebhookResolver } from './webhook.resolver';
import { webhookRoutes } from './webhook.routes';
import { WebhookService } from './webhook.service';

/**
 * What the app's assembly (src/features.ts) takes of webhooks: the one place they are listed.
 * Their delivery runs in the background (server/background.ts starts webhook-deliverer.ts).
 */
export const webhookFeature = {
  entities: [WebhookSubscriptionEntity, WebhookDeliveryEntity],
  database: [],
  resolvers: [WebhookResolver],
  routes: [webhookRoutes],
  services: (db: Knex, actor: Actor | null) => ({ webhooks: new WebhookService(db, actor) }),
};
