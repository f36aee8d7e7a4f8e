/**
 * What webhook URLs may be, for the whole process: set once from the configuration as the app
 * is built (WEBHOOK_ALLOW_HTTP, WEBHOOK_ALLOW_PRIVATE). Until then, and by default, the strict
 * rules hold: https only, public addresses only.
 */
export interface WebhookPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

let policy: WebhookPolicy = { allowHttp: false, allowPrivate: false };

export function configureWebhooks(next: WebhookPolicy): void {
  policy = { ...next };
}

export function webhookPolicy(): WebhookPolicy {
  return policy;
}
