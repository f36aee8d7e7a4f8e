import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { Counter, Gauge, Histogram, Registry } from 'prom-client';

// Seconds: from a page served in a few milliseconds to the statement timeout's neighbourhood.
const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The parts of knex's connection pool (tarn) that the gauges read. */
interface Pool {
  numUsed(): number;
  numFree(): number;
  numPendingAcquires(): number;
  numPendingCreates(): number;
  max: number;
}

/**
 * GET /metrics in the Prometheus text format: request latency by route and by GraphQL operation,
 * the connection pool's use, and the SQL statements sent (the benchmark divides these by the
 * requests). Each app has a registry of its own, so that several apps in one process (the tests)
 * keep separate counts.
 */
export function registerMetrics(app: FastifyInstance, db: Knex): void {
  const registry = new Registry();
  const requests = new Histogram({
    name: 'audience_gateway_http_request_duration_seconds',
    help: 'HTTP requests answered, by method, route (as declared, not as requested) and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const operations = new Histogram({
    name: 'audience_gateway_graphql_operation_duration_seconds',
    help: 'GraphQL operations answered, by type and root fields, and whether they had errors.',
    labelNames: ['operation', 'outcome'] as const,
    buckets: LATENCY_BUCKETS,
    registers: [registry],
  });
  const statements = new Counter({
    name: 'audience_gateway_sql_statements_total',
    help: 'SQL statements sent to PostgreSQL.',
    registers: [registry],
  });
  const poolGauge = (name: string, help: string, read: (pool: Pool) => number) =>
    new Gauge({
      name: `audience_gateway_db_pool_${name}`,
      help,
      registers: [registry],
      collect() {
        const pool = (db.client as { pool?: Pool }).pool;
        this.set(pool ? read(pool) : 0);
      },
    });
  poolGauge('connections_in_use', 'Pool connections lent to a request.', (pool) => pool.numUsed());
  poolGauge('connections_idle', 'Pool connections open and idle.', (pool) => pool.numFree());
  poolGauge('connections_max', 'The most connections the pool opens.', (pool) => pool.max);
  poolGauge('acquires_pending', 'Requests waiting for a connection.', (pool) =>
    pool.numPendingAcquires(),
  );
  poolGauge('creates_pending', 'Connections being opened.', (pool) => pool.numPendingCreates());

  db.on('query', () => statements.inc());
  app.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    if (route === '/metrics') return done();
    const seconds = reply.elapsedTime / 1000;
    requests.observe({ method: request.method, route, status: String(reply.statusCode) }, seconds);
    const trace = request.ctx?.trace;
    if (trace?.operation) {
      operations.observe(
        { operation: trace.operation, outcome: trace.failed ? 'error' : 'ok' },
        seconds,
      );
    }
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) =>
    reply.type(registry.contentType).send(await registry.metrics()),
  );
}
