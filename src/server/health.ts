import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { queryRows, sql } from '../database/sql';

// How long readiness waits for the database before calling it unreachable, at most: always well
// within the response timeout, so that /readyz itself answers.
const READINESS_TIMEOUT_MS = 2000;

/**
 * /healthz: the process answers. /readyz: it can reach its database, so it can serve, and it is not
 * shutting down.
 */
export function registerHealth(app: FastifyInstance, db: Knex, responseTimeoutMs: number): void {
  const readinessTimeoutMs = Math.min(READINESS_TIMEOUT_MS, responseTimeoutMs / 2);
  app.get('/healthz', { schema: { hide: true } }, async () => ({ status: 'ok' }));
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    if (app.draining) {
      return reply.status(503).send({ status: 'not ready', reason: 'shutting down' });
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error('timed out')), readinessTimeoutMs);
    });
    try {
      await Promise.race([queryRows(db, sql.named('health.ping')`select 1`), timeout]);
      return { status: 'ready' };
    } catch {
      return reply
        .status(503)
        .send({ status: 'not ready', reason: 'the database does not answer' });
    } finally {
      clearTimeout(timer);
    }
  });
}
