import type { Knex } from '@mikro-orm/postgresql';
import pg from 'pg';
import type { Actor } from './actor';
import { findActorByKeyHash, hashApiKey, isWellFormedApiKey } from './api-key.service';

/** The channel the api_key triggers (migration 20261127100000) notify with a key's hash. */
export const API_KEY_CHANNEL = 'api_key_changed';
/** The listening connection's application_name, followed by " (pid N)". */
export const LISTENER_NAME = 'audience-gateway api key listener';

export interface ApiKeyCacheOptions {
  /** The most keys remembered, live and unknown each; the least recently used go first. */
  maxEntries?: number;
  /** The most look-ups of uncached keys in flight at once; more wait their turn. */
  maxConcurrentMisses?: number;
  /** How long to wait before listening again after the listening connection is lost. */
  reconnectDelayMs?: number;
  /** How often the listening connection is asked whether it is still there. */
  heartbeatMs?: number;
  /**
   * Cached keys are used only while the listening connection has answered within this long: a
   * connection cut without either side noticing (a silent network drop, a NAT forgetting an idle
   * connection, a frozen server) would otherwise miss revocations for as long as TCP takes to tell.
   */
  maxSilenceMs?: number;
  /**
   * Where to listen, when the pool's connections cannot: through a transaction pooler (PgBouncer)
   * a LISTEN lands on whichever server connection runs it, and notifications are lost. A direct
   * URL to the primary (LISTEN_DATABASE_URL); the pool's own settings when unset.
   */
  listenUrl?: string;
  /** Told when listening starts or stops (a lost connection), for the log. */
  onListening?: (listening: boolean, error?: unknown) => void;
}

const DEFAULTS = {
  maxEntries: 10_000,
  maxConcurrentMisses: 2,
  reconnectDelayMs: 1_000,
  heartbeatMs: 250,
  maxSilenceMs: 1_000,
};

/**
 * The actors of API keys, resolved once per process instead of once per request, so that a read
 * is one statement. Every process on the database hears of every change to a key (issued,
 * revoked, deleted) through LISTEN on a connection of its own, and forgets that key at once: a
 * revocation, wherever it is made, reaches every process within the notification's round trip.
 *
 * Correctness never rests on the cache: while the listening connection is down (the database
 * restarting, a network cut), nothing is cached and every request looks its key up, as before;
 * once listening again, the cache starts empty. Unknown keys are remembered too (until a key with
 * that hash is issued), and look-ups of uncached keys are few at a time and shared by concurrent
 * requests for the same key, so that a flood of invented keys costs a bounded number of cheap
 * index look-ups and cannot take the pool's connections from other requests.
 */
export class ApiKeyCache {
  private readonly known = new Map<string, Actor | null>();
  private readonly inFlight = new Map<string, Promise<Actor | null>>();
  private readonly waiting: (() => void)[] = [];
  private missesRunning = 0;
  // Bumped whenever a key changes or listening starts or stops: a look-up that began before then
  // may have read what is no longer true, and is answered but not remembered.
  private generation = 0;
  private listener: pg.Client | null = null;
  private listening = false;
  // When the listening connection last answered a heartbeat (or started listening).
  private lastHeard = 0;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly options: Required<Omit<ApiKeyCacheOptions, 'onListening' | 'listenUrl'>> &
    Pick<ApiKeyCacheOptions, 'onListening' | 'listenUrl'>;

  constructor(
    private readonly db: Knex,
    options: ApiKeyCacheOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Starts listening; resolves once the first attempt is over, whether it connected or not. */
  async start(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopListening();
  }

  /** Whether keys are being cached: the listening connection is up and answered lately. */
  get isListening(): boolean {
    return this.listening && Date.now() - this.lastHeard < this.options.maxSilenceMs;
  }

  /**
   * The actor of a live key, with the key's hash (which names the key everywhere else, so that
   * it is computed once a request); null for an unknown, malformed or revoked key.
   */
  async actorFor(apiKey: string): Promise<{ actor: Actor; keyHash: string } | null> {
    if (!isWellFormedApiKey(apiKey)) return null;
    const keyHash = hashApiKey(apiKey);
    const actor = await this.actorOfHash(keyHash);
    return actor && { actor, keyHash };
  }

  private actorOfHash(hash: string): Actor | null | Promise<Actor | null> {
    if (this.isListening) {
      const cached = this.known.get(hash);
      if (cached !== undefined) {
        // Map order is insertion order: moving the key to the end keeps the least recently used first.
        this.known.delete(hash);
        this.known.set(hash, cached);
        return cached;
      }
    }
    let lookUp = this.inFlight.get(hash);
    if (!lookUp) {
      lookUp = this.lookUp(hash).finally(() => this.inFlight.delete(hash));
      this.inFlight.set(hash, lookUp);
    }
    return lookUp;
  }

  private async lookUp(hash: string): Promise<Actor | null> {
    await this.missSlot();
    const generation = this.generation;
    try {
      const actor = await findActorByKeyHash(this.db, hash);
      if (this.isListening && generation === this.generation) this.remember(hash, actor);
      return actor;
    } finally {
      this.missesRunning -= 1;
      this.waiting.shift()?.();
    }
  }

  private async missSlot(): Promise<void> {
    if (this.missesRunning < this.options.maxConcurrentMisses) {
      this.missesRunning += 1;
      return;
    }
    // The slot is handed over by the look-up that frees it: the count stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private remember(hash: string, actor: Actor | null): void {
    this.known.delete(hash);
    this.known.set(hash, actor);
    if (this.known.size > this.options.maxEntries) {
      this.known.delete(this.known.keys().next().value!);
    }
  }

  private forget(hash?: string): void {
    this.generation += 1;
    if (hash === undefined) this.known.clear();
    else this.known.delete(hash);
  }

  private async listen(): Promise<void> {
    if (this.closed) return;
    // Settings of the pool's own connections (address, credentials, timeouts), on a connection
    // of its own: LISTEN holds its session for as long as the process runs.
    const settings = this.db.client.connectionSettings as pg.ClientConfig;
    const client = new pg.Client({
      ...(this.options.listenUrl
        ? { connectionString: this.options.listenUrl }
        : // knex keeps the password out of the settings' enumerable properties (out of logs).
          { ...settings, password: settings.password }),
      keepAlive: true,
      // Names the connection in pg_stat_activity, with the process it belongs to.
      application_name: `${LISTENER_NAME} (pid ${process.pid})`,
    });
    this.listener = client;
    client.on('notification', (message) => {
      if (message.channel === API_KEY_CHANNEL) this.forget(message.payload);
    });
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client));
    try {
      await client.connect();
      await client.query(`listen ${API_KEY_CHANNEL}`);
    } catch (error) {
      this.lost(client, error);
      return;
    }
    if (this.listener !== client) return;
    // Whatever changed while no one listened is unknown: start from nothing.
    this.forget();
    this.listening = true;
    this.lastHeard = Date.now();
    this.beat(client);
    this.options.onListening?.(true);
  }

  /** Asks the listening connection, every heartbeatMs, whether it is still there. */
  private beat(client: pg.Client): void {
    let waiting = false;
    this.heartbeat = setInterval(() => {
      if (waiting) return;
      waiting = true;
      client
        .query('select 1')
        .then(() => {
          const now = Date.now();
          // Silent for too long: notifications may be arriving late. Start from nothing.
          if (now - this.lastHeard >= this.options.maxSilenceMs) this.forget();
          this.lastHeard = now;
        })
        .catch((error: unknown) => this.lost(client, error))
        .finally(() => {
          waiting = false;
        });
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  private lost(client: pg.Client, error?: unknown): void {
    if (this.listener !== client) return;
    const wasListening = this.listening;
    this.stopListening();
    if (wasListening || error) this.options.onListening?.(false, error);
    if (this.closed) return;
    this.reconnectTimer = setTimeout(() => void this.listen(), this.options.reconnectDelayMs);
    this.reconnectTimer.unref();
  }

  private stopListening(): void {
    this.listening = false;
    clearInterval(this.heartbeat);
    this.forget();
    const client = this.listener;
    this.listener = null;
    client?.removeAllListeners('end');
    client?.on('error', () => undefined);
    void client?.end().catch(() => undefined);
  }
}
