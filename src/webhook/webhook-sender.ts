import http from 'node:http';
import https from 'node:https';
import type { WebhookPolicy } from './webhook-policy';
import { addressOfUrl, isBlockedAddress, vettedLookup } from './webhook-url';

/** How one attempt went: a 2xx is success; anything else, a timeout or no connection, a failure. */
export interface AttemptOutcome {
  succeeded: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

/** How long one attempt may take, connection to last byte. */
export const ATTEMPT_TIMEOUT_MS = 5000;
// The most of a response read (and then only to reuse the connection; none of it is stored).
const MAX_RESPONSE_BYTES = 64 * 1024;

// Connections are kept for the next event of the same receiver (one at a time per subscription,
// so no request waits for a socket: the timeout is the receiver's alone).
const AGENTS = {
  'http:': new http.Agent({ keepAlive: true }),
  'https:': new https.Agent({ keepAlive: true }),
};

/**
 * POSTs one signed message. Redirects are not followed (a 3xx is a failure); the host's
 * addresses are checked as the connection is made (webhook-url.ts).
 */
export function postWebhook(
  url: URL,
  headers: Record<string, string>,
  body: string,
  policy: WebhookPolicy,
): Promise<AttemptOutcome> {
  const started = performance.now();
  const outcome = (statusCode: number | null, error: string | null): AttemptOutcome => ({
    succeeded: error === null && statusCode !== null && statusCode >= 200 && statusCode < 300,
    statusCode,
    error: error?.slice(0, 512) ?? null,
    durationMs: Math.round(performance.now() - started),
  });
  if (url.protocol === 'http:' && !policy.allowHttp) {
    return Promise.resolve(outcome(null, 'refused: http is off (WEBHOOK_ALLOW_HTTP)'));
  }
  const literal = addressOfUrl(url);
  if (literal && !policy.allowPrivate && isBlockedAddress(literal)) {
    return Promise.resolve(outcome(null, 'refused: the host is not a public address'));
  }
  return new Promise((resolve) => {
    let done = false;
    const finish = (statusCode: number | null, error: string | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(outcome(statusCode, error));
    };
    const protocol = url.protocol === 'https:' ? https : http;
    const request = protocol.request(
      url,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        agent: AGENTS[url.protocol as keyof typeof AGENTS],
        lookup: vettedLookup(policy) as never,
      },
      (response) => {
        const status = response.statusCode ?? null;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read > MAX_RESPONSE_BYTES) {
            response.destroy();
            finish(status, null);
          }
        });
        response.on('end', () =>
          finish(
            status,
            status !== null && status >= 300 && status < 400 ? 'a redirect (not followed)' : null,
          ),
        );
        response.on('error', (error) => finish(status, error.message));
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish(null, `no answer within ${ATTEMPT_TIMEOUT_MS / 1000} s`);
    }, ATTEMPT_TIMEOUT_MS);
    request.on('error', (error: NodeJS.ErrnoException) =>
      finish(null, error.code ? `${error.code}: ${error.message}` : error.message),
    );
    request.end(body);
  });
}
