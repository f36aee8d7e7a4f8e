import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inputSchema } from '../common/json-schema';
import { parseQuery, QUERY_RULES, requireJsonObject } from '../common/rest/query-string';
import { idParams } from '../common/rest/id-params';
import { errorResponses } from '../common/rest/rest-errors';
import { AudiencesArgs } from './audience.args';
import { AUDIENCE_OPERATIONS } from './audience.operations';
import type { AudienceService } from './audience.service';
import { CreateAudienceInput, UpdateAudienceInput } from './audience.input';
import { AUDIENCE_LIST_RESPONSE_SCHEMA, AUDIENCE_RESPONSE_SCHEMA } from './audience.schemas';

const ID_PARAMS = idParams('The audience id.');

interface IdParams {
  id: string;
}

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface AudienceRouteOptions {
  servicesOf: (request: FastifyRequest) => { audiences: AudienceService };
}

/**
 * The documented REST paths. Each handler only reshapes: the service validates, scopes and
 * decides, exactly as for GraphQL.
 */
export async function audienceRoutes(
  app: FastifyInstance,
  { servicesOf }: AudienceRouteOptions,
): Promise<void> {
  const audiencesOf = (request: FastifyRequest) => servicesOf(request).audiences;
  app.get(
    '/audience',
    {
      schema: {
        summary: 'Get all audiences',
        operationId: 'listAudiences',
        description: `${AUDIENCE_OPERATIONS.list} Sortable fields: name, createdAt, updatedAt. ${QUERY_RULES}`,
        tags: ['audience'],
        querystring: inputSchema(AudiencesArgs),
        response: { 200: AUDIENCE_LIST_RESPONSE_SCHEMA, ...errorResponses() },
      },
    },
    (request) => audiencesOf(request).list(parseQuery(AudiencesArgs, request.query)),
  );

  app.get<{ Params: IdParams }>(
    '/audience/:id',
    {
      schema: {
        summary: 'Get audience by ID',
        operationId: 'getAudience',
        description: AUDIENCE_OPERATIONS.get,
        tags: ['audience'],
        params: ID_PARAMS,
        response: { 200: AUDIENCE_RESPONSE_SCHEMA, ...errorResponses(404) },
      },
    },
    (request) => audiencesOf(request).get(request.params.id),
  );

  app.post(
    '/audience',
    {
      schema: {
        summary: 'Create a new audience',
        operationId: 'createAudience',
        description: `${AUDIENCE_OPERATIONS.create} Answers 201 with the audience.`,
        tags: ['audience'],
        body: inputSchema(CreateAudienceInput),
        response: { 201: AUDIENCE_RESPONSE_SCHEMA, ...errorResponses(413) },
      },
    },
    async (request, reply) => {
      const audience = await audiencesOf(request).create(requireJsonObject(request.body));
      // Returned rather than sent: Fastify drops a returned answer quietly when the request was
      // already answered (a 503 past RESPONSE_TIMEOUT_MS), where a second send() would warn.
      void reply.status(201);
      return audience;
    },
  );

  app.put<{ Params: IdParams }>(
    '/audience/:id',
    {
      schema: {
        summary: 'Update audience',
        operationId: 'updateAudience',
        description: `${AUDIENCE_OPERATIONS.update} An empty body changes nothing.`,
        tags: ['audience'],
        params: ID_PARAMS,
        body: inputSchema(UpdateAudienceInput),
        response: { 200: AUDIENCE_RESPONSE_SCHEMA, ...errorResponses(404, 413) },
      },
    },
    (request) => audiencesOf(request).update(request.params.id, requireJsonObject(request.body)),
  );

  app.delete<{ Params: IdParams }>(
    '/audience/:id',
    {
      schema: {
        summary: 'Delete audience',
        operationId: 'deleteAudience',
        description: AUDIENCE_OPERATIONS.delete,
        tags: ['audience'],
        params: ID_PARAMS,
        response: { 200: AUDIENCE_RESPONSE_SCHEMA, ...errorResponses(404) },
      },
    },
    (request) => audiencesOf(request).delete(request.params.id),
  );
}
