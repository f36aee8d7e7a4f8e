import type { FastifyRateLimitOptions, FastifyRateLimitStore } from '@fastify/rate-limit';
import type { Redis } from 'ioredis';
// The plugin's own stores: the counting rules (window, expiry) stay exactly the plugin's.
import LocalStore from '@fastify/rate-limit/store/LocalStore';
import RedisStore from '@fastify/rate-limit/store/RedisStore';

type Counted = (error: Error | null, result?: { current: number; ttl: number }) => void;

/** Told when the counts move to this process (Redis lost, with why) and back to Redis. */
export type OnSharedChange = (shared: boolean, error?: unknown) => void;

/** Where the rate-limit counts keep their keys in Redis, apart from anything else stored there. */
export const RATE_LIMIT_PREFIX = 'audience-gateway:rate-limit:';

/**
 * The rate-limit counts in Redis, shared by every instance, falling back to this process's own
 * counts while Redis cannot answer: the service keeps answering, each instance then limiting on
 * its own (at worst N instances allow N times the limit) until Redis is back, which is noticed on
 * the next request once the client has reconnected by itself. A Redis call fails fast (the client
 * queues nothing while disconnected, and gives up on a command after a few hundred ms), so an
 * outage costs requests no waiting.
 */
export function sharedRateLimitStore(
  redis: Redis,
  onChange: OnSharedChange,
): new (options: FastifyRateLimitOptions) => FastifyRateLimitStore {
  let shared = true;
  const useShared = (next: boolean, error?: unknown) => {
    if (next === shared) return;
    shared = next;
    onChange(next, error);
  };
  return class SharedRateLimitStore implements FastifyRateLimitStore {
    private readonly inRedis: FastifyRateLimitStore;
    private readonly inProcess: FastifyRateLimitStore;

    constructor(options: FastifyRateLimitOptions) {
      const { continueExceeding = false, exponentialBackoff = false } = options as {
        continueExceeding?: boolean;
        exponentialBackoff?: boolean;
      };
      this.inRedis = new RedisStore(
        continueExceeding,
        exponentialBackoff,
        redis,
        RATE_LIMIT_PREFIX,
      );
      this.inProcess = new LocalStore(continueExceeding, exponentialBackoff);
    }

    incr(key: string, counted: Counted, timeWindow: number, max: number): void {
      if (redis.status !== 'ready') {
        useShared(false, new Error(`Redis is ${redis.status}`));
        this.inProcess.incr(key, counted, timeWindow, max);
        return;
      }
      this.inRedis.incr(
        key,
        (error, result) => {
          if (error) {
            useShared(false, error);
            this.inProcess.incr(key, counted, timeWindow, max);
          } else {
            useShared(true);
            counted(null, result);
          }
        },
        timeWindow,
        max,
      );
    }

    // The limit is the same on every route: one store serves them all.
    child(): FastifyRateLimitStore {
      return this;
    }
  };
}
