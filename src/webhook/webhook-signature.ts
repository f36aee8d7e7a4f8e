import { createHmac, randomBytes } from 'node:crypto';

/**
 * Standard Webhooks (https://www.standardwebhooks.com): a secret is `whsec_` and the base64 of
 * its key; a message is signed as `msgId.timestamp.body` with HMAC-SHA256, and the signature
 * header is `v1,` and its base64. Receivers verify with any Standard Webhooks library.
 */
const PREFIX = 'whsec_';

/** A new signing secret: 24 random bytes. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(24).toString('base64')}`;
}

/** The `webhook-signature` header of a message. */
export function webhookSignature(
  secret: string,
  messageId: string,
  timestampSeconds: number,
  body: string,
): string {
  const key = Buffer.from(secret.slice(PREFIX.length), 'base64');
  const signature = createHmac('sha256', key)
    .update(`${messageId}.${timestampSeconds}.${body}`)
    .digest('base64');
  return `v1,${signature}`;
}
