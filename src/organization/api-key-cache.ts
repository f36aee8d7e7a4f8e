import type { Knex } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Actor } from './actor';
import { hashApiKey, isWellFormedApiKey } from './api-key.service';
import { findActorByKeyHash } from './organization.repository';

/** The channel the api_key triggers (api-key.sql) notify with a key's hash. */
export const API_KEY_CHANNEL = 'api_key_changed';
/** The listening connection's application_name, followed by " (pid N)". */
export const LISTENER_NAME = 'audience-gateway api key listener';
/** The heartbeat connection's application_name, followed by " (pid N)". */
export const HEARTBEAT_NAME = 'audience-gateway api key heartbeat';

export interface ApiKeyCacheOptions {
  /** The most keys remembered, live and unknown each; the least recently used go first. */
  maxEntries?: number;
  /** The most look-ups of uncached keys in flight at once; more wait their turn. */
  maxConcurrentMisses?: number;
  /** How long to wait before listening again after the listening connection is lost. */
  reconnectDelayMs?: number;
  /** How often a heartbeat notification is sent for the listening connection to hear. */
  heartbeatMs?: number;
  /**
   * Cached keys are used only while a heartbeat sent within this long has been heard back: the
   * longest a revoked key can still be accepted. A listener that hears nothing (a connection cut
   * without either side noticing, a frozen server, a LISTEN through a transaction pooler) stops
   * the cache within this long.
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
  /**
   * Told when cached keys stop or start being trusted, for the log, with why they stopped:
   * `deaf`, nothing at all heard since the process started (a LISTEN through a transaction
   * pooler); `other-database`, the listener hears its own heartbeats but not a notification sent
   * through the pool (LISTEN_DATABASE_URL reaches another database than DATABASE_URL); `silent`,
   * heard before, nothing lately (a frozen server, a connection cut without a word).
   */
  onHearing?: (hearing: boolean, why?: NotHearing) => void;
}

export type NotHearing = 'deaf' | 'other-database' | 'silent';

const DEFAULTS = {
  maxEntries: 10_000,
  maxConcurrentMisses: 2,
  reconnectDelayMs: 1_000,
  heartbeatMs: 250,
  maxSilenceMs: 1_000,
};

// A listening connection that has not been trusted for this many maxSilenceMs (never since it
// connected, or not since its last heartbeat) is closed and opened again: one cut without a word
// would otherwise wait for TCP's keep-alive (hours) to end it, and one that stalled as it started
// would never be trusted.
const SILENCES_BEFORE_RECONNECT = 5;

/**
 * The actors of API keys, resolved once per process instead of once per request, so that a read
 * is one statement. Every process on the database hears of every change to a key (issued,
 * revoked, deleted) through LISTEN on a connection of its own, and forgets that key at once: a
 * revocation, wherever it is made, reaches every process within the notification's round trip.
 *
 * The cache trusts itself only on proof that the notifications reach it. Every heartbeatMs a
 * second connection sends a NOTIFY on a channel of this cache's own, and the listener must hear
 * it back: PostgreSQL delivers notifications in commit order, so hearing a heartbeat means every
 * key change committed before it was sent has been heard too. Cached keys are used only while a
 * heartbeat sent within maxSilenceMs has come back. Anything that keeps notifications from
 * arriving (the connection down or silently cut, a frozen server, a LISTEN through a transaction
 * pooler, where the session that listens is not the one the client holds) stops the cache within
 * maxSilenceMs; every request then looks its key up, as if there were no cache.
 *
 * The heartbeat is sent from a connection of its own, not the listener's: through a transaction
 * pooler the listener's own NOTIFY can land on the very server connection its LISTEN ran on and be
 * heard, although nobody else's would be. Both connect to listenUrl; so that hearing them proves
 * something of the database the keys live in, each new listening connection must first hear one
 * notification sent through the pool (a handshake) before any heartbeat counts. Times are
 * monotonic (performance.now()): a clock stepped back must not stretch the trust.
 *
 * Unknown keys are remembered too (until a key with that hash is issued), and look-ups of uncached
 * keys are few at a time and shared by concurrent requests for the same key, so that a flood of
 * invented keys costs a bounded number of cheap index look-ups and cannot take the pool's
 * connections from other requests.
 */
export class ApiKeyCache {
  private readonly known = new Map<string, Actor | null>();
  private readonly inFlight = new Map<string, Promise<Actor | null>>();
  private readonly waiting: (() => void)[] = [];
  private missesRunning = 0;
  // Bumped whenever a key changes or trust starts or stops: a look-up that began before then may
  // have read what is no longer true, and is answered but not remembered.
  private generation = 0;
  // This cache's heartbeat channel: another process's (or another cache's) heartbeats prove
  // nothing about this listener.
  private readonly heartbeatChannel = `api_key_heartbeat_${randomBytes(8).toString('hex')}`;
  private listener: pg.Client | null = null;
  private sender: pg.Client | null = null;
  private listening = false;
  // The heartbeats sent and not yet heard back, by number, with when each was sent.
  private readonly unheard = new Map<number, number>();
  private beats = 0;
  private beating = false;
  // The current connection's handshake: what it carries, and whether it came back (only then do
  // heartbeats count), and whether any heartbeat came back at all.
  private handshake = '';
  private joined = false;
  private heardOwn = false;
  // When the latest proof was sent: every key change committed before then has been heard.
  private provenAt = Number.NEGATIVE_INFINITY;
  // When the current listening connection started; whether any connection of this process was
  // ever trusted; what onHearing was last told (nothing is said while all is well).
  private listeningSince = 0;
  private everJoined = false;
  private toldHearing = true;
  private firstHeard: (() => void) | undefined;
  private heartbeat: NodeJS.Timeout | undefined;
  private closed = false;
  private reconnectTimer: NodeJS.Timeout | undefined;
  private readonly options: Required<
    Omit<ApiKeyCacheOptions, 'onListening' | 'onHearing' | 'listenUrl'>
  > &
    Pick<ApiKeyCacheOptions, 'onListening' | 'onHearing' | 'listenUrl'>;

  constructor(
    private readonly db: Knex,
    options: ApiKeyCacheOptions = {},
  ) {
    this.options = { ...DEFAULTS, ...options };
  }

  /**
   * Starts listening; resolves once the first attempt is over, whether it connected or not, and
   * once its first heartbeat came back or maxSilenceMs passed without it (onHearing is told).
   */
  async start(): Promise<void> {
    await this.listen();
    if (!this.listening || this.isTrusted) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, this.options.maxSilenceMs + this.options.heartbeatMs);
      this.firstHeard = () => {
        clearTimeout(timer);
        resolve();
      };
    });
    this.firstHeard = undefined;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.stopListening();
  }

  /** Whether cached keys are used: a proof sent within maxSilenceMs has been heard back. */
  get isTrusted(): boolean {
    return this.listening && performance.now() - this.provenAt < this.options.maxSilenceMs;
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
    if (this.isTrusted) {
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
      if (this.isTrusted && generation === this.generation) this.remember(hash, actor);
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
    const listener = this.connection(LISTENER_NAME);
    const sender = this.connection(HEARTBEAT_NAME);
    this.listener = listener;
    this.sender = sender;
    listener.on('notification', (message) => {
      if (message.channel === API_KEY_CHANNEL) this.forget(message.payload);
      else if (message.channel === this.heartbeatChannel) this.heard(message.payload ?? '');
    });
    for (const client of [listener, sender]) {
      client.on('error', (error) => this.lost(client, error));
      client.on('end', () => this.lost(client));
    }
    try {
      await Promise.all([listener.connect(), sender.connect()]);
      await listener.query(`listen ${API_KEY_CHANNEL}; listen ${this.heartbeatChannel}`);
    } catch (error) {
      this.lost(listener, error);
      return;
    }
    if (this.listener !== listener) return;
    // Whatever changed while no one listened is unknown: start from nothing.
    this.forget();
    this.listening = true;
    this.provenAt = Number.NEGATIVE_INFINITY;
    this.listeningSince = performance.now();
    this.joined = false;
    this.heardOwn = false;
    this.unheard.clear();
    this.options.onListening?.(true);
    this.sendHandshake();
    this.beat();
    this.heartbeat = setInterval(() => {
      this.checkHearing();
      this.beat();
    }, this.options.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * A connection with the pool's own settings (address, credentials, timeouts), or those of
   * listenUrl, held for as long as the process runs.
   */
  private connection(name: string): pg.Client {
    const settings = this.db.client.connectionSettings as pg.ClientConfig;
    return new pg.Client({
      ...(this.options.listenUrl
        ? { connectionString: this.options.listenUrl }
        : // knex keeps the password out of the settings' enumerable properties (out of logs).
          { ...settings, password: settings.password }),
      keepAlive: true,
      // Names the connection in pg_stat_activity, with the process it belongs to.
      application_name: `${name} (pid ${process.pid})`,
    });
  }

  /**
   * Sends this connection's handshake through the pool, the way key changes come: heard back, it
   * proves that the listener hears the database the keys live in, and from then on its heartbeats
   * count. Unheard, the connection is replaced after SILENCES_BEFORE_RECONNECT, with a new one.
   */
  private sendHandshake(): void {
    const listener = this.listener;
    const token = `pool:${randomBytes(8).toString('hex')}`;
    this.handshake = token;
    const sentAt = performance.now();
    this.unheard.set(-1, sentAt);
    void this.db
      .raw('/* apiKey.handshake */ select pg_notify(?, ?)', [this.heartbeatChannel, token])
      .catch((error: unknown) => {
        if (this.listener === listener && listener) this.lost(listener, error);
      });
  }

  /** Sends the next heartbeat, unless the last one is still on its way to the database. */
  private beat(): void {
    const sender = this.sender;
    if (!sender || this.beating) return;
    this.beating = true;
    const number = ++this.beats;
    const now = performance.now();
    this.unheard.set(number, now);
    // Heartbeats too old to prove anything are dropped, so that a deaf listener keeps none.
    for (const [old, sentAt] of this.unheard) {
      if (old > 0 && now - sentAt >= this.options.maxSilenceMs) this.unheard.delete(old);
    }
    sender
      .query('/* apiKey.heartbeat */ select pg_notify($1, $2)', [
        this.heartbeatChannel,
        String(number),
      ])
      .catch((error: unknown) => this.lost(sender, error))
      .finally(() => {
        if (this.sender === sender) this.beating = false;
      });
  }

  /** A notification on this cache's channel: the handshake, or a heartbeat. */
  private heard(payload: string): void {
    let sentAt: number | undefined;
    if (payload === this.handshake) {
      sentAt = this.unheard.get(-1);
      this.unheard.delete(-1);
      this.joined = true;
      this.everJoined = true;
    } else {
      const number = Number(payload);
      sentAt = this.unheard.get(number);
      if (sentAt === undefined) return;
      for (const earlier of this.unheard.keys()) {
        if (earlier > 0 && earlier <= number) this.unheard.delete(earlier);
      }
      this.heardOwn = true;
      // Before the handshake, a heartbeat proves only that listenUrl hears itself.
      if (!this.joined) return;
    }
    if (sentAt === undefined) return;
    // Coming back after a silence: what was cached before it is not proven, start from nothing.
    if (!this.isTrusted) this.forget();
    this.provenAt = Math.max(this.provenAt, sentAt);
    this.firstHeard?.();
    this.checkHearing();
  }

  /**
   * Tells onHearing when trust stops or starts again, and replaces a listening connection that
   * has gone untrusted for too long (or never was).
   */
  private checkHearing(): void {
    if (!this.listening) return;
    if (this.isTrusted) {
      if (!this.toldHearing) {
        this.toldHearing = true;
        this.options.onHearing?.(true);
      }
      return;
    }
    const now = performance.now();
    const giveUpAfter = SILENCES_BEFORE_RECONNECT * this.options.maxSilenceMs;
    // Trusted on this connection, then silent: said at once.
    if (this.joined && this.toldHearing) {
      this.toldHearing = false;
      this.options.onHearing?.(false, 'silent');
    }
    const untrustedSince = this.joined ? this.provenAt : this.listeningSince;
    if (now - untrustedSince < giveUpAfter) return;
    if (this.toldHearing) {
      this.toldHearing = false;
      this.options.onHearing?.(
        false,
        this.everJoined ? 'silent' : this.heardOwn ? 'other-database' : 'deaf',
      );
    }
    // Replaced quietly: what to do about it has been said once.
    this.lost(this.listener!, undefined, { quietly: true });
  }

  private lost(client: pg.Client, error?: unknown, { quietly = false } = {}): void {
    if (this.listener !== client && this.sender !== client) return;
    const wasListening = this.listening;
    this.stopListening();
    if (!quietly && (wasListening || error)) this.options.onListening?.(false, error);
    if (this.closed) return;
    this.reconnectTimer = setTimeout(() => void this.listen(), this.options.reconnectDelayMs);
    this.reconnectTimer.unref();
  }

  private stopListening(): void {
    this.listening = false;
    clearInterval(this.heartbeat);
    this.forget();
    this.unheard.clear();
    this.joined = false;
    for (const client of [this.listener, this.sender]) {
      // A connection that thaws later must not speak into the next one's state.
      client?.removeAllListeners('notification');
      client?.removeAllListeners('end');
      client?.on('error', () => undefined);
      void client?.end().catch(() => undefined);
    }
    this.listener = null;
    this.sender = null;
    this.beating = false;
  }
}
