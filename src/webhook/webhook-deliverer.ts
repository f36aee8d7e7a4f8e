import type { Knex } from '@mikro-orm/postgresql';
import { randomBytes } from 'node:crypto';
import {
  type AttemptRecord,
  type ClaimedWebhook,
  claimDueWebhooks,
  disablePruned,
  findPendingEvents,
  recordAttempts,
  releaseWebhookLeases,
} from './webhook.repository';
import type { Event } from '../event/event.type';
import { postWebhook } from './webhook-sender';
import type { WebhookPolicy } from './webhook-policy';
import { webhookSignature } from './webhook-signature';

/** How long after the n-th failure in a row the event is tried again (then hourly). */
export const RETRY_SCHEDULE_MS = [5_000, 30_000, 120_000, 600_000, 1_800_000, 3_600_000];

export function retryDelayMs(failedAttempts: number): number {
  return RETRY_SCHEDULE_MS[Math.min(failedAttempts, RETRY_SCHEDULE_MS.length) - 1]!;
}

export interface DelivererOptions {
  /** How long a claimed subscription stays this instance's without being renewed. */
  leaseMs: number;
  policy: WebhookPolicy;
  /** How often due subscriptions are looked for. */
  pollMs?: number;
  /** How many subscriptions one instance delivers to at once. */
  concurrency?: number;
  /** Told of what fails in the deliverer itself (not of a receiver's failures: those are recorded). */
  onError?: (error: unknown) => void;
  /** Told when a poll of the database worked (after errors: the deliverer works again). */
  onPolled?: () => void;
}

// Events read a statement, and delivered (in order) before progress is recorded.
const BATCH = 50;
// Progress of a healthy subscription is recorded at least this often.
const RECORD_EVERY_MS = 250;
// How long one run delivers to a subscription before it gives the lease back for its turn.
const RUN_MS = 5000;

/**
 * Delivers the organizations' events to their webhook subscriptions, on every instance at once.
 * A subscription is delivered by the instance that holds its lease (claimed with SKIP LOCKED, so
 * no two take the same), in sequence order, one event at a time, each event with its own id as
 * `webhook-id` whatever the attempt. Progress is recorded (and the lease renewed) after every
 * batch, every RECORD_EVERY_MS and at every failure; an instance that dies leaves its
 * subscriptions to another once their lease runs out, which delivers again from the last
 * recorded event (at least once). Subscriptions are delivered side by side, so a slow or failing
 * receiver holds up only itself, and the deliverer works on a pool of its own, never the
 * requests'.
 */
export class WebhookDeliverer {
  private readonly owner = `${process.pid}-${randomBytes(6).toString('hex')}`;
  private readonly active = new Set<Promise<void>>();
  // The subscriptions this instance is delivering to: never claimed twice at once here.
  private readonly delivering = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private polling = false;
  private closed = false;
  private readonly pollMs: number;
  private readonly concurrency: number;

  constructor(
    private readonly db: Knex,
    private readonly options: DelivererOptions,
  ) {
    this.pollMs = options.pollMs ?? 200;
    // More than an organization may have subscriptions (MAX_WEBHOOKS): one organization's slow
    // receivers cannot take every slot.
    this.concurrency = options.concurrency ?? 32;
  }

  start(): void {
    this.timer = setInterval(() => void this.poll(), this.pollMs);
    this.timer.unref();
  }

  /** Stops claiming, lets each delivery in flight finish its attempt, and gives the leases back. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.timer);
    await Promise.allSettled([...this.active]);
    await releaseWebhookLeases(this.db, this.owner).catch(() => undefined);
  }

  private async poll(): Promise<void> {
    if (this.polling || this.closed) return;
    const free = this.concurrency - this.active.size;
    if (free <= 0) return;
    this.polling = true;
    try {
      const claimed = await claimDueWebhooks(this.db, this.owner, free, this.options.leaseMs, [
        ...this.delivering,
      ]);
      this.options.onPolled?.();
      for (const webhook of claimed) {
        this.delivering.add(webhook.id);
        const delivery = this.deliver(webhook)
          .catch((error: unknown) => this.options.onError?.(error))
          .finally(() => {
            this.active.delete(delivery);
            this.delivering.delete(webhook.id);
          });
        this.active.add(delivery);
      }
    } catch (error) {
      this.options.onError?.(error);
    } finally {
      this.polling = false;
    }
  }

  /** Delivers a claimed subscription's events up to its head, until one fails or it is caught up. */
  private async deliver(webhook: ClaimedWebhook): Promise<void> {
    if (webhook.deliveredThrough < webhook.prunedThrough) {
      await disablePruned(this.db, webhook);
      return;
    }
    const started = performance.now();
    let through = webhook.deliveredThrough;
    let attempts: AttemptRecord[] = [];
    let recordedAt = performance.now();
    const record = (end?: { failure?: { retryInMs: number; error: string } }) => {
      const progress = { attempts, deliveredThrough: through, leaseMs: this.options.leaseMs };
      attempts = [];
      recordedAt = performance.now();
      return recordAttempts(this.db, webhook, { ...progress, ...end, release: !!end });
    };
    while (!this.closed) {
      const events = await findPendingEvents(this.db, webhook, through, BATCH);
      if (events.length === 0) {
        // Caught up to the head it was claimed with (the events between were of other types).
        // Caught up, it gives its lease back: the next event goes to whichever instance polls
        // first.
        through = Math.max(through, webhook.head);
        await record({});
        return;
      }
      for (const event of events) {
        if (this.closed) break;
        const attemptedAt = new Date();
        const outcome = await this.attempt(webhook, event);
        attempts.push({
          eventId: event.id,
          eventSequence: event.sequence,
          attemptedAt,
          ...outcome,
        });
        if (!outcome.succeeded) {
          const failed = webhook.failedAttempts + 1;
          await record({
            failure: {
              retryInMs: retryDelayMs(failed),
              error: outcome.error ?? `HTTP ${outcome.statusCode}`,
            },
          });
          return;
        }
        webhook.failedAttempts = 0;
        through = event.sequence;
        if (performance.now() - recordedAt >= RECORD_EVERY_MS && !(await record())) return;
      }
      if (!(await record())) return;
      // A run takes its turn: after RUN_MS it gives the lease back, so that a long backlog to one
      // receiver leaves this instance's slots to the others in turn.
      if (performance.now() - started >= RUN_MS) break;
    }
    await record({});
  }

  private attempt(webhook: ClaimedWebhook, event: Event) {
    const body = JSON.stringify({ ...event, timestamp: event.occurredAt });
    const timestamp = Math.floor(Date.now() / 1000);
    return postWebhook(
      new URL(webhook.url),
      {
        'content-type': 'application/json',
        'user-agent': 'audience-gateway-webhooks',
        'webhook-id': event.id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': webhookSignature(webhook.secret, event.id, timestamp, body),
      },
      body,
      this.options.policy,
    );
  }
}
