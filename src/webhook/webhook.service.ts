import type { Knex } from '@mikro-orm/postgresql';
import { ConflictError, GoneError, NotFoundError, ValidationError } from '../common/errors';
import { type Page, PageArgs, pageWindow, toPage } from '../common/pagination';
import { assertUuid, validateInput } from '../common/validation';
import { findFeedBounds } from '../event/event.repository';
import { EventService, validTypes } from '../event/event.service';
import { type Actor, requireActor } from '../organization/actor';
import {
  CreateWebhookInput,
  MAX_URL_LENGTH,
  MAX_WEBHOOKS,
  ReplayWebhookInput,
  UpdateWebhookInput,
} from './webhook.input';
import {
  countWebhooks,
  deleteWebhook,
  findDeliveries,
  findWebhooks,
  insertWebhook,
  replayWebhook,
  updateWebhook,
} from './webhook.repository';
import { newWebhookSecret } from './webhook-signature';
import { webhookPolicy } from './webhook-policy';
import type { CreatedWebhook, WebhookDelivery, WebhookSubscription } from './webhook.type';
import { UnsafeUrlError, vetWebhookUrl } from './webhook-url';

/**
 * Every rule about webhook subscriptions: their URLs (webhook-url.ts), filters, secrets, replays
 * and the record of deliveries. Delivering is the deliverer's (webhook-deliverer.ts). The GraphQL
 * and REST doors both call this.
 */
export class WebhookService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  async list(): Promise<WebhookSubscription[]> {
    const { organizationId } = requireActor(this.actor);
    return findWebhooks(this.db, organizationId);
  }

  async get(id: string): Promise<WebhookSubscription> {
    const { organizationId } = requireActor(this.actor);
    const webhookId = assertUuid('id', id);
    const [webhook] = await findWebhooks(this.db, organizationId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    return webhook;
  }

  /** A new subscription: it receives the events that commit from now on. */
  async create(input: CreateWebhookInput): Promise<CreatedWebhook> {
    const { organizationId } = requireActor(this.actor);
    const valid = await validateInput(CreateWebhookInput, input);
    const url = await validUrl(valid.url);
    const events = validTypes(valid.events, 'events')!;
    if ((await countWebhooks(this.db, organizationId)) >= MAX_WEBHOOKS) {
      throw new ConflictError(
        `Your organization has ${MAX_WEBHOOKS} webhooks, the most it may have: delete one first`,
      );
    }
    const secret = newWebhookSecret();
    const webhook = await insertWebhook(this.db, organizationId, {
      url,
      events,
      description: valid.description ?? null,
      secret,
    });
    return { ...webhook, secret };
  }

  async update(id: string, input: UpdateWebhookInput): Promise<WebhookSubscription> {
    const { organizationId } = requireActor(this.actor);
    const webhookId = assertUuid('id', id);
    const valid = await validateInput(UpdateWebhookInput, input);
    const changes = {
      url: valid.url === null || valid.url === undefined ? undefined : await validUrl(valid.url),
      events: valid.events ? validTypes(valid.events, 'events')! : undefined,
      description: valid.description,
      enabled: valid.enabled ?? undefined,
    };
    if (changes.enabled === true) await this.assertNotPruned(webhookId);
    const webhook = await updateWebhook(this.db, organizationId, webhookId, changes);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    return webhook;
  }

  /**
   * A subscription whose next events retention pruned cannot go on from where it stopped: it
   * would skip them without a word. GONE: replay it from a kept cursor instead.
   */
  private async assertNotPruned(webhookId: string): Promise<void> {
    const { organizationId } = requireActor(this.actor);
    const [webhook] = await findWebhooks(this.db, organizationId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    const { prunedThrough } = await findFeedBounds(this.db, organizationId);
    if (webhook.deliveredThrough < prunedThrough) {
      throw new GoneError(
        `enabled: the events after this subscription's last delivery (${webhook.deliveredThrough}) are pruned past EVENT_RETENTION_DAYS; replay it from a kept cursor instead`,
      );
    }
  }

  async delete(id: string): Promise<WebhookSubscription> {
    const { organizationId } = requireActor(this.actor);
    const webhookId = assertUuid('id', id);
    const webhook = await deleteWebhook(this.db, organizationId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    return webhook;
  }

  /**
   * Delivers again, in order, every event after a feed cursor, then the new ones. A cursor older
   * than the events kept is GONE, as in the feed.
   */
  async replay(id: string, input: ReplayWebhookInput): Promise<WebhookSubscription> {
    const { organizationId } = requireActor(this.actor);
    const webhookId = assertUuid('id', id);
    const valid = await validateInput(ReplayWebhookInput, input);
    // The feed's rules: a cursor past retention is GONE, one past the end bad input.
    const sequence = await new EventService(this.db, this.actor).positionOf(valid.after);
    const webhook = await replayWebhook(this.db, organizationId, webhookId, sequence);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    return webhook;
  }

  /** A subscription's delivery attempts, newest first (the seed's paging). */
  async deliveries(id: string, args: Partial<PageArgs>): Promise<Page<WebhookDelivery>> {
    const { organizationId } = requireActor(this.actor);
    const webhookId = assertUuid('id', id);
    const valid = await validateInput(PageArgs, args);
    const [webhook] = await findWebhooks(this.db, organizationId, webhookId);
    if (!webhook) throw new NotFoundError('Webhook', webhookId);
    const { deliveries, total } = await findDeliveries(
      this.db,
      organizationId,
      webhookId,
      pageWindow(valid),
    );
    return toPage(deliveries, total, valid);
  }
}

/** A URL as vetted (webhook-url.ts), or bad input naming `url` and what is wrong with it. */
async function validUrl(raw: string): Promise<string> {
  try {
    const { href } = await vetWebhookUrl(raw, webhookPolicy());
    // Normalizing percent-encodes: the URL as stored and called must fit too.
    if (href.length > MAX_URL_LENGTH) {
      throw new UnsafeUrlError(`url must be at most ${MAX_URL_LENGTH} characters once encoded`);
    }
    return href;
  } catch (error) {
    if (error instanceof UnsafeUrlError) throw ValidationError.of('url', error.message);
    throw error;
  }
}
