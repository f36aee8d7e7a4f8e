import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { wantsPlayground } from '../common/page-request';
import { hashApiKey } from '../organization/api-key.service';
import { API_KEY_HEADER } from './request-context';

/**
 * At most `perMinute` API calls a minute for each API key (each address for calls without one),
 * answered 429 with `retry-after` past that. Health, metrics, docs and the playground's page and
 * assets are not counted. The counts live in this process: with several instances, each counts
 * on its own (a shared store is the next step).
 */
export async function registerRateLimit(app: FastifyInstance, perMinute: number): Promise<void> {
  if (perMinute === 0) return;
  await app.register(rateLimit, {
    max: perMinute,
    timeWindow: '1 minute',
    // The key's hash, never the key itself, names the bucket.
    keyGenerator: (request) => {
      const apiKey = request.headers[API_KEY_HEADER];
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
