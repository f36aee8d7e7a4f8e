import type { Knex } from '@mikro-orm/postgresql';
import type { Redis } from 'ioredis';

/** Where the keys of recent writers are kept in Redis, apart from anything else stored there. */
const WROTE_PREFIX = 'audience-gateway:wrote:';

/**
 * Which database a request reads from. With read replicas, a request reads from one unless its
 * API key wrote within the last `afterWriteMs` (then the primary, which has the write: a client
 * never misses its own write on a replica that has not replayed it yet); writes always go to the
 * primary. Which keys wrote lately is kept in Redis when there is one, so that it holds across
 * instances (a client's next read may reach another instance), else in this process.
 */
export interface ReadRouting {
  /** The database the reads of a request with this key (its hash) go to. */
  readsFor(keyHash: string | undefined): Promise<Knex>;
  /** Notes that this key has just written; its reads go to the primary for a while. */
  wrote(keyHash: string): Promise<void>;
  /** Stops what runs in the background (the replicas' probes). */
  close?(): void;
}

/** No replicas: everything on the primary. */
export function primaryOnly(primary: Knex): ReadRouting {
  return { readsFor: async () => primary, wrote: async () => undefined };
}

// How often each replica is asked whether it answers, and how long it has to answer.
const PROBE_EVERY_MS = 1_000;
const PROBE_TIMEOUT_MS = 1_000;

/**
 * Reads on the replicas, each asked every second whether it answers: one that does not is left
 * out until it answers again (reads then go to the others, or to the primary when none is left),
 * so that a replica going down costs the reads that were already on it, not every read after.
 */
export function toReplicas(options: {
  primary: Knex;
  replicas: readonly Knex[];
  afterWriteMs: number;
  redis?: Redis;
  /** Told when a replica stops or starts answering (its position, from 1), for the log. */
  onHealth?: (replica: number, healthy: boolean, error?: unknown) => void;
}): ReadRouting {
  const { primary, replicas, afterWriteMs, redis, onHealth } = options;
  const local = new RecentWriters(afterWriteMs);
  const health = probeReplicas(replicas, onHealth);
  const replica = (): Knex => {
    const answering = replicas.filter((_, index) => health.healthy[index]);
    if (answering.length === 0) return primary;
    return answering[Math.floor(Math.random() * answering.length)]!;
  };
  return {
    async readsFor(keyHash) {
      if (keyHash === undefined) return replica();
      if (local.has(keyHash)) return primary;
      if (!redis) return replica();
      // Redis unable to say: the primary, which is never behind.
      if (redis.status !== 'ready') return primary;
      try {
        return (await redis.exists(WROTE_PREFIX + keyHash)) ? primary : replica();
      } catch {
        return primary;
      }
    },
    async wrote(keyHash) {
      local.add(keyHash);
      if (!redis) return;
      // Tried twice (a loaded Redis can miss one command's timeout); if both fail, not shared this
      // time: this instance still sends the key's reads to the primary, the others may not
      // (docs/scaling.md states it).
      for (let attempt = 0; attempt < 2; attempt += 1) {
        try {
          await redis.set(WROTE_PREFIX + keyHash, '1', 'PX', afterWriteMs);
          return;
        } catch {
          // Tried again once.
        }
      }
    },
    close() {
      health.stop();
    },
  };
}

/** Asks every replica each PROBE_EVERY_MS whether it answers; `healthy` says which do. */
function probeReplicas(
  replicas: readonly Knex[],
  onHealth: ((replica: number, healthy: boolean, error?: unknown) => void) | undefined,
): { healthy: boolean[]; stop: () => void } {
  const healthy = replicas.map(() => true);
  const probing = replicas.map(() => false);
  const setHealth = (index: number, next: boolean, error?: unknown) => {
    if (healthy[index] === next) return;
    healthy[index] = next;
    onHealth?.(index + 1, next, error);
  };
  const probe = setInterval(() => {
    replicas.forEach((replica, index) => {
      if (probing[index]) return;
      probing[index] = true;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('no answer within 1 s')), PROBE_TIMEOUT_MS);
      });
      Promise.race([replica.raw('/* health.replicaPing */ select 1'), timeout])
        .then(
          () => setHealth(index, true),
          (error: unknown) => setHealth(index, false, error),
        )
        .finally(() => {
          clearTimeout(timer);
          probing[index] = false;
        });
    });
  }, PROBE_EVERY_MS);
  probe.unref();
  return { healthy, stop: () => clearInterval(probe) };
}

// Past this many keys, the expired ones are swept out on the next write.
const SWEEP_ABOVE = 10_000;

/** The keys that wrote within the last `windowMs`, in this process. */
class RecentWriters {
  private readonly until = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  add(keyHash: string): void {
    const now = Date.now();
    if (this.until.size > SWEEP_ABOVE) {
      for (const [key, until] of this.until) if (until <= now) this.until.delete(key);
    }
    this.until.set(keyHash, now + this.windowMs);
  }

  has(keyHash: string): boolean {
    const until = this.until.get(keyHash);
    if (until === undefined) return false;
    if (until > Date.now()) return true;
    this.until.delete(keyHash);
    return false;
  }
}
