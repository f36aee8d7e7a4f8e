import { WebhookDeliveryEntity, WebhookSubscriptionEntity } from './webhook.entity';

/** What the app's assembly (src/features.ts) takes of webhooks: the one place they are listed. */
export const webhookFeature = {
  entities: [WebhookSubscriptionEntity, WebhookDeliveryEntity],
  database: [],
  resolvers: [],
  routes: [],
  services: () => ({}),
};
