import { Arg, Args, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import { PageArgs } from '../common/pagination';
import { CreateWebhookInput, ReplayWebhookInput, UpdateWebhookInput } from './webhook.input';
import { WEBHOOK_OPERATIONS } from './webhook.operations';
import type { WebhookService } from './webhook.service';
import { CreatedWebhook, WebhookDeliveryPage, WebhookSubscription } from './webhook.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface WebhookContext {
  webhooks: WebhookService;
}

const ID_ARG = { description: 'The webhook subscription id (UUID).' };

/** Webhook subscriptions and their deliveries. */
@Resolver()
export class WebhookResolver {
  @Query(() => [WebhookSubscription], { description: WEBHOOK_OPERATIONS.list })
  webhooks(@Ctx() { webhooks }: WebhookContext) {
    return webhooks.list();
  }

  @Query(() => WebhookSubscription, { description: WEBHOOK_OPERATIONS.get })
  webhook(@Arg('id', () => ID, ID_ARG) id: string, @Ctx() { webhooks }: WebhookContext) {
    return webhooks.get(id);
  }

  @Query(() => WebhookDeliveryPage, { description: WEBHOOK_OPERATIONS.deliveries })
  webhookDeliveries(
    @Arg('id', () => ID, ID_ARG) id: string,
    @Args() args: PageArgs,
    @Ctx() { webhooks }: WebhookContext,
  ) {
    return webhooks.deliveries(id, args);
  }

  @Mutation(() => CreatedWebhook, { description: WEBHOOK_OPERATIONS.create })
  createWebhook(
    @Arg('input', () => CreateWebhookInput, { description: 'The receiver and its event types.' })
    input: CreateWebhookInput,
    @Ctx() { webhooks }: WebhookContext,
  ) {
    return webhooks.create(input);
  }

  @Mutation(() => WebhookSubscription, { description: WEBHOOK_OPERATIONS.update })
  updateWebhook(
    @Arg('id', () => ID, ID_ARG) id: string,
    @Arg('input', () => UpdateWebhookInput, { description: 'What changes.' })
    input: UpdateWebhookInput,
    @Ctx() { webhooks }: WebhookContext,
  ) {
    return webhooks.update(id, input);
  }

  @Mutation(() => WebhookSubscription, { description: WEBHOOK_OPERATIONS.delete })
  deleteWebhook(@Arg('id', () => ID, ID_ARG) id: string, @Ctx() { webhooks }: WebhookContext) {
    return webhooks.delete(id);
  }

  @Mutation(() => WebhookSubscription, { description: WEBHOOK_OPERATIONS.replay })
  replayWebhook(
    @Arg('id', () => ID, ID_ARG) id: string,
    @Arg('input', () => ReplayWebhookInput, { description: 'Where the replay starts.' })
    input: ReplayWebhookInput,
    @Ctx() { webhooks }: WebhookContext,
  ) {
    return webhooks.replay(id, input);
  }
}
