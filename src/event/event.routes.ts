import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inputSchema } from '../common/json-schema';
import { outputSchema } from '../common/rest/output-schema';
import { parseQuery, QUERY_RULES } from '../common/rest/query-string';
import { errorResponses } from '../common/rest/rest-errors';
import { EventFeedQuery } from './event.args';
import { EVENT_OPERATIONS } from './event.operations';
import type { EventService } from './event.service';
import { EventFeedPage } from './event.type';

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface EventRouteOptions {
  servicesOf: (request: FastifyRequest) => { events: EventService };
}

/** The event feed. */
export async function eventRoutes(
  app: FastifyInstance,
  { servicesOf }: EventRouteOptions,
): Promise<void> {
  app.get(
    '/events',
    {
      schema: {
        summary: 'Read the event feed',
        operationId: 'listEvents',
        description: `${EVENT_OPERATIONS.feed} ${QUERY_RULES}`,
        tags: ['events'],
        querystring: inputSchema(EventFeedQuery),
        response: { 200: outputSchema(EventFeedPage), ...errorResponses(410) },
      },
    },
    (request) => servicesOf(request).events.feed(parseQuery(EventFeedQuery, request.query)),
  );
}
