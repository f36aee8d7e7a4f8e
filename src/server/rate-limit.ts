import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import { wantsPlayground } from './page-request';
import { hashApiKey } from '../organization/api-key.service';
import { apiKeyOf } from './request-context';
import { sharedRateLimitStore } from './shared-rate-limit-store';

/**
 * At most `perMinute` API calls a minute for each API key (each address for calls without one),
 * answered 429 with `retry-after` past that. Health, metrics, docs and the playground's page and
 * assets are not counted. With Redis, the counts are shared by every instance (falling back to
 * this process's own while Redis cannot answer); without, each instance counts on its own.
 */
export async function registerRateLimit(
  app: FastifyInstance,
  perMinute: number,
  redis?: Redis,
): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, {
    ...(redis && {
      store: sharedRateLimitStore(redis, (shared, error) => {
        if (shared) app.log.info('rate limit: counting in Redis again, shared by every instance');
        else {
          app.log.warn(
            { err: error },
            'rate limit: Redis does not answer; each instance counts on its own until it does',
          );
        }
      }),
    }),
    max: perMinute,
    timeWindow: '1 minute',
    // The key's hash, never the key itself, names the bucket.
    // The key as the request sends it: in x-api-key, or as Basic auth where a path takes that.
    keyGenerator: (request) => {
      const apiKey = apiKeyOf(request);
      return typeof apiKey === 'string' && apiKey !== ''
        ? `key:${hashApiKey(apiKey)}`
        : `ip:${request.ip}`;
    },
    allowList: (request) => !isApiCall(request),
  });
}

function isApiCall(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0]!;
  if (path.startsWith('/api/'))
    return !path.startsWith('/api/docs') && path !== '/api/openapi.json';
  return path === '/graphql' && !wantsPlayground(request);
}
