import type { FastifyInstance } from 'fastify';
import { contextOf } from '../server/rest/rest-context';
import { REST_ERROR_SCHEMA } from '../server/rest/rest-errors';
import { CONTACT_SCHEMA } from './contact.schemas';

/** The contact paths under /api, in the audience paths' conventions. */
export async function contactRoutes(app: FastifyInstance): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      schema: {
        summary: 'Get contact by ID',
        description: "404 when the contact is unknown or another organization's.",
        tags: ['contacts'],
        params: {
          type: 'object',
          required: ['id'],
          properties: { id: { type: 'string', format: 'uuid', description: 'The contact id.' } },
        },
        response: {
          200: CONTACT_SCHEMA,
          400: REST_ERROR_SCHEMA,
          401: REST_ERROR_SCHEMA,
          404: REST_ERROR_SCHEMA,
        },
      },
    },
    (request) => contextOf(request).contacts.get(request.params.id),
  );
}
