import type { FastifyRequest } from 'fastify';
import type { RequestContext } from '../request-context';

/** The context of an /api request: the API plugin builds it before any handler runs. */
export function contextOf(request: FastifyRequest): RequestContext {
  if (!request.ctx) throw new Error('an /api handler ran before its request context was built');
  return request.ctx;
}
