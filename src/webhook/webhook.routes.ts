import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inputSchema } from '../common/json-schema';
import { PageArgs } from '../common/pagination';
import { idParams } from '../common/rest/id-params';
import { outputSchema } from '../common/rest/output-schema';
import { parseQuery, QUERY_RULES, requireJsonObject } from '../common/rest/query-string';
import { errorResponses } from '../common/rest/rest-errors';
import { CreateWebhookInput, ReplayWebhookInput, UpdateWebhookInput } from './webhook.input';
import { WEBHOOK_OPERATIONS } from './webhook.operations';
import type { WebhookService } from './webhook.service';
import { CreatedWebhook, WebhookDeliveryPage, WebhookSubscription } from './webhook.type';

const ID_PARAMS = idParams('The webhook subscription id.');
const WEBHOOK = outputSchema(WebhookSubscription);

interface IdParams {
  id: string;
}

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface WebhookRouteOptions {
  servicesOf: (request: FastifyRequest) => { webhooks: WebhookService };
}

/** The webhook paths: subscriptions, their deliveries and replays. */
export async function webhookRoutes(
  app: FastifyInstance,
  { servicesOf }: WebhookRouteOptions,
): Promise<void> {
  const webhooksOf = (request: FastifyRequest) => servicesOf(request).webhooks;
  app.get(
    '/webhooks',
    {
      schema: {
        summary: 'List webhook subscriptions',
        operationId: 'listWebhooks',
        description: WEBHOOK_OPERATIONS.list,
        tags: ['webhooks'],
        response: { 200: { type: 'array', items: WEBHOOK }, ...errorResponses() },
      },
    },
    (request) => webhooksOf(request).list(),
  );

  app.post(
    '/webhooks',
    {
      schema: {
        summary: 'Subscribe a receiver to events',
        operationId: 'createWebhook',
        description: `${WEBHOOK_OPERATIONS.create} Answers 201.`,
        tags: ['webhooks'],
        body: inputSchema(CreateWebhookInput),
        response: { 201: outputSchema(CreatedWebhook), ...errorResponses(409, 413) },
      },
    },
    async (request, reply) => {
      const webhook = await webhooksOf(request).create(requireJsonObject(request.body));
      void reply.status(201);
      return webhook;
    },
  );

  app.get<{ Params: IdParams }>(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Get a webhook subscription',
        operationId: 'getWebhook',
        description: WEBHOOK_OPERATIONS.get,
        tags: ['webhooks'],
        params: ID_PARAMS,
        response: { 200: WEBHOOK, ...errorResponses(404) },
      },
    },
    (request) => webhooksOf(request).get(request.params.id),
  );

  app.put<{ Params: IdParams }>(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Change a webhook subscription',
        operationId: 'updateWebhook',
        description: `${WEBHOOK_OPERATIONS.update} An empty body changes nothing.`,
        tags: ['webhooks'],
        params: ID_PARAMS,
        body: inputSchema(UpdateWebhookInput),
        response: { 200: WEBHOOK, ...errorResponses(404, 410, 413) },
      },
    },
    (request) => webhooksOf(request).update(request.params.id, requireJsonObject(request.body)),
  );

  app.delete<{ Params: IdParams }>(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Delete a webhook subscription',
        operationId: 'deleteWebhook',
        description: WEBHOOK_OPERATIONS.delete,
        tags: ['webhooks'],
        params: ID_PARAMS,
        response: { 200: WEBHOOK, ...errorResponses(404) },
      },
    },
    (request) => webhooksOf(request).delete(request.params.id),
  );

  app.get<{ Params: IdParams }>(
    '/webhooks/:id/deliveries',
    {
      schema: {
        summary: 'List a webhook subscription’s delivery attempts',
        operationId: 'listWebhookDeliveries',
        description: `${WEBHOOK_OPERATIONS.deliveries} ${QUERY_RULES}`,
        tags: ['webhooks'],
        params: ID_PARAMS,
        querystring: inputSchema(PageArgs),
        response: { 200: outputSchema(WebhookDeliveryPage), ...errorResponses(404) },
      },
    },
    (request) =>
      webhooksOf(request).deliveries(request.params.id, parseQuery(PageArgs, request.query)),
  );

  app.post<{ Params: IdParams }>(
    '/webhooks/:id/replay',
    {
      schema: {
        summary: 'Deliver events again from a cursor',
        operationId: 'replayWebhook',
        description: WEBHOOK_OPERATIONS.replay,
        tags: ['webhooks'],
        params: ID_PARAMS,
        body: inputSchema(ReplayWebhookInput),
        response: { 200: WEBHOOK, ...errorResponses(404, 410, 413) },
      },
    },
    (request) => webhooksOf(request).replay(request.params.id, requireJsonObject(request.body)),
  );
}
