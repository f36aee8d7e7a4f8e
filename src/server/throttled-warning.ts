import type { FastifyBaseLogger } from 'fastify';

// At most one line per this long for a warning that can repeat on every request.
const INTERVAL_MS = 5000;

/**
 * A warning that an outage would otherwise write once per request (thousands a second under load):
 * the first occurrence is logged at once, later ones at most every five seconds, each line saying
 * how many it stands for. Says whether it wrote this one.
 */
export function throttledWarning(
  message: string,
): (log: FastifyBaseLogger, details: Record<string, unknown>) => boolean {
  let last = Number.NEGATIVE_INFINITY;
  let suppressed = 0;
  return (log, details) => {
    const now = Date.now();
    if (now - last < INTERVAL_MS) {
      suppressed += 1;
      return false;
    }
    log.warn({ ...details, ...(suppressed > 0 && { suppressed }) }, message);
    last = now;
    suppressed = 0;
    return true;
  };
}
