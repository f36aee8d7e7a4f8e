import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * A request no route takes, in the REST error shape: 405 with `Allow` when its path exists with
 * other methods, 404 when the path itself does not.
 */
export async function notFoundOrNotAllowed(
  request: FastifyRequest,
  reply: FastifyReply,
  allowedMethods: (path: string) => string[],
): Promise<FastifyReply> {
  const path = request.url.split('?')[0]!;
  const allowed = allowedMethods(path);
  if (allowed.length > 0) {
    return reply
      .status(405)
      .header('allow', allowed.join(', '))
      .send({
        statusCode: 405,
        error: 'Method Not Allowed',
        message: `${request.method} is not a method of ${path}; it takes ${allowed.join(', ')}`,
      });
  }
  return reply.status(404).send({
    statusCode: 404,
    error: 'Not Found',
    message: `${request.method} ${path} is not a path of this API`,
  });
}

/**
 * Answers a request no route takes as soon as it arrives, before its body is read: a method the
 * framework would otherwise hold to its own body rules (QUERY without a Content-Type, say) gets
 * its 405 like any other. Registered where its hooks must run first (after the key, under /api).
 */
export function answerUnroutedAtOnce(
  app: FastifyInstance,
  allowedMethods: (path: string) => string[],
): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.is404) return notFoundOrNotAllowed(request, reply, allowedMethods);
  });
}
