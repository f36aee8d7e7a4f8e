import { AppError, ServiceUnavailableError } from './errors';

// PostgreSQL SQLSTATE classes and codes that mean "not now" rather than "wrong": connection
// exceptions (08), operator intervention (57: shutdown, cannot connect now, statement timeout),
// and too many connections (53300).
const UNAVAILABLE_SQLSTATES = /^(08|57)|^53300$/;
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

/**
 * The error a client should see: our own errors as they are, a database that cannot answer as
 * SERVICE_UNAVAILABLE, anything else undefined (an unexpected failure).
 */
export function toAppError(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  return isDatabaseUnavailable(error) ? new ServiceUnavailableError() : undefined;
}

function isDatabaseUnavailable(error: unknown): boolean {
  // By shape, not `instanceof Error`: a socket's error comes from Node's own realm, which is not
  // the code's under a test runner's VM context.
  if (typeof error !== 'object' || error === null) return false;
  const { code, name, message } = error as { code?: unknown; name?: unknown; message?: unknown };
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_SQLSTATES.test(code) || UNAVAILABLE_NODE_CODES.has(code))
  ) {
    return true;
  }
  // knex: no pooled connection became free in time, or the pool is gone; pg: a transaction's
  // connection broke under it (its COMMIT or ROLLBACK then fails so).
  return (
    name === 'KnexTimeoutError' ||
    (typeof message === 'string' &&
      /Connection terminated|Unable to acquire a connection|connection error and is not queryable/i.test(
        message,
      ))
  );
}
