import type { FastifyRequest } from 'fastify';

/**
 * Whether a GET of /graphql comes from a browser that wants a page (the playground), not a
 * GraphQL result. Shared by the GraphQL door, which answers it with the page, and the rate limit,
 * which does not count it as an API call.
 */
export function wantsPlayground(request: FastifyRequest): boolean {
  const query = request.query as Record<string, unknown> | undefined;
  return (
    request.method === 'GET' &&
    (request.headers.accept ?? '').includes('text/html') &&
    !query?.query
  );
}
