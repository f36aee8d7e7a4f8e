import { MAX_WEBHOOKS } from './webhook.input';

/**
 * What each webhook operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations.
 */
export const WEBHOOK_OPERATIONS = {
  list: 'Your organization’s webhook subscriptions, oldest first (without their secrets).',
  get: 'A webhook subscription (without its secret): NOT_FOUND (REST 404) when your organization has none with this id.',
  create: `Subscribes a receiver to event types (at most ${MAX_WEBHOOKS} subscriptions an organization; CONFLICT, REST 409, past that). It receives the events that commit from now on, each POSTed as JSON and signed the Standard Webhooks way (webhook-id, webhook-timestamp, webhook-signature: v1,…), in sequence order, at least once, with the same webhook-id on every attempt. A 2xx within 5 s is a delivery; anything else is retried after about 5 s, 30 s, 2 min, 10 min, 30 min, then hourly, and a subscription failing for 24 hours is disabled. The answer holds the signing secret, shown this once.`,
  update:
    'Changes a webhook subscription: its URL, event types, description, or whether it is enabled (enabling one that was disabled starts it again from the event it failed at; GONE, REST 410, when retention has pruned that event).',
  delete: 'Deletes a webhook subscription and its record of deliveries.',
  replay:
    'Delivers again, in order, every event after a feed cursor (then the new ones); a cursor older than the events kept is GONE (REST 410).',
  deliveries:
    'The delivery attempts of a webhook subscription, newest first: when, the receiver’s status code, how long it took, and what went wrong.',
} as const;
