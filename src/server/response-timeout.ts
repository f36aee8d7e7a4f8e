import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ServiceUnavailableError } from '../common/errors';
import { throttledWarning } from './throttled-warning';

/**
 * Answers 503 (SERVICE_UNAVAILABLE) to any request not answered within `timeoutMs` of its arrival,
 * through the route's own error handler, so each door keeps its error shape. This is what bounds a
 * request when the database hangs instead of refusing: statement_timeout cannot fire on a server
 * that is frozen, and a pool wait or a connect has its own, longer bounds. The work left behind is
 * not cancelled; its late answer is dropped.
 *
 * Fastify 5's own `handlerTimeout` would do this, but it forgets its timer once a request body
 * has been read, so a POST whose handler hangs is never timed out.
 */
export function registerResponseTimeout(app: FastifyInstance, timeoutMs: number): void {
  const warnTimeout = throttledWarning('requests not answered in time');
  app.addHook('onRequest', (request, reply, done) => {
    // An upload (config.responseTimeoutAfterBody) is timed from when its body is in: its arrival
    // is bounded by REQUEST_TIMEOUT_MS, and a 503 while it still arrives would stand over a job
    // that runs.
    const config = request.routeOptions.config as { responseTimeoutAfterBody?: boolean };
    if (config.responseTimeoutAfterBody) {
      request.raw.once('end', () => arm(request, reply));
      done();
      return;
    }
    arm(request, reply);
    done();
  });

  function arm(request: FastifyRequest, reply: FastifyReply): void {
    const timer = setTimeout(() => {
      if (reply.sent || reply.raw.headersSent) return;
      warnTimeout(request.log, { timeoutMs });
      void reply.send(
        new ServiceUnavailableError('The request took too long to answer; try again shortly'),
      );
      // Once the 503 is out (or the client has gone), the handler's late answer is dropped
      // quietly, instead of making Fastify warn that a reply was sent twice. (A late failure is
      // still logged.) 'close' comes in both cases, where 'finish' never comes for a client that
      // left first.
      reply.raw.once('close', () => {
        reply.hijack();
      });
    }, timeoutMs);
    // The response is out, or the client went away first.
    reply.raw.once('close', () => clearTimeout(timer));
  }
}
