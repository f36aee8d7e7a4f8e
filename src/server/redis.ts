import { Redis } from 'ioredis';

// A Redis call waits this long at most: past it the rate limit counts in-process instead.
const COMMAND_TIMEOUT_MS = 250;
const CONNECT_TIMEOUT_MS = 1_000;
// Reconnects back off to this, forever: Redis coming back is picked up by itself.
const MAX_RECONNECT_DELAY_MS = 2_000;

/**
 * The Redis client for state shared by every instance (the rate-limit counts). It never holds a
 * request up: nothing is queued while it is disconnected, a command gives up after
 * COMMAND_TIMEOUT_MS, and it reconnects on its own, for as long as the process runs.
 */
export function connectRedis(url: string): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: COMMAND_TIMEOUT_MS,
    connectTimeout: CONNECT_TIMEOUT_MS,
    retryStrategy: (attempt) => Math.min(attempt * 100, MAX_RECONNECT_DELAY_MS),
    // Named in CLIENT LIST, as the database connections are.
    connectionName: `audience-gateway-${process.pid}`,
    lazyConnect: false,
  });
  // Errors are seen by the store that uses the client (and logged there, once per outage); an
  // unhandled 'error' event would otherwise print a stack trace on every reconnect attempt.
  redis.on('error', () => undefined);
  return redis;
}
