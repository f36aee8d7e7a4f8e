import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';

/**
 * Counters in the Prometheus text format at GET /metrics: requests answered and SQL statements
 * sent. The benchmark divides one by the other to report statements per request.
 */
export function registerMetrics(app: FastifyInstance, db: Knex): void {
  let statements = 0;
  const responses = new Map<string, number>();
  db.on('query', () => {
    statements += 1;
  });
  app.addHook('onResponse', async (request, reply) => {
    if (request.url === '/metrics') return;
    const key = `method="${request.method}",status="${reply.statusCode}"`;
    responses.set(key, (responses.get(key) ?? 0) + 1);
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const lines = [
      '# HELP audience_gateway_sql_statements_total SQL statements sent to PostgreSQL.',
      '# TYPE audience_gateway_sql_statements_total counter',
      `audience_gateway_sql_statements_total ${statements}`,
      '# HELP audience_gateway_http_responses_total HTTP responses sent, by method and status.',
      '# TYPE audience_gateway_http_responses_total counter',
      ...[...responses].map(
        ([labels, count]) => `audience_gateway_http_responses_total{${labels}} ${count}`,
      ),
    ];
    return reply.type('text/plain; version=0.0.4').send(`${lines.join('\n')}\n`);
  });
}
