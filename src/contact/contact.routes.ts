import type { FastifyInstance } from 'fastify';
import { inputSchema } from '../common/json-schema';
import { parseQuery, QUERY_RULES } from '../server/rest/query-string';
import { contextOf } from '../server/rest/rest-context';
import { idParams } from '../server/rest/page.schema';
import { errorResponses } from '../server/rest/rest-errors';
import { ContactsArgs } from './contact.args';
import { CONTACT_PAGE_SCHEMA, CONTACT_SCHEMA } from './contact.schemas';

/** The contact paths under /api, in the audience paths' conventions. */
export async function contactRoutes(app: FastifyInstance): Promise<void> {
  app.get(
    '/contacts',
    {
      schema: {
        summary: 'Get all contacts',
        description:
          'Searchable fields: firstName, lastName, primaryPhone. Sortable fields: firstName, lastName, primaryPhone, createdAt. ' +
          QUERY_RULES,
        tags: ['contacts'],
        querystring: inputSchema(ContactsArgs),
        response: { 200: CONTACT_PAGE_SCHEMA, ...errorResponses(400, 401) },
      },
    },
    (request) => contextOf(request).contacts.list(parseQuery(ContactsArgs, request.query)),
  );

  app.get<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      schema: {
        summary: 'Get contact by ID',
        description: "404 when the contact is unknown or another organization's.",
        tags: ['contacts'],
        params: idParams('The contact id.'),
        response: { 200: CONTACT_SCHEMA, ...errorResponses(400, 401, 404) },
      },
    },
    (request) => contextOf(request).contacts.get(request.params.id),
  );
}
