import type { FastifyInstance, FastifyRequest } from 'fastify';
import { inputSchema } from '../common/json-schema';
import { parseQuery, QUERY_RULES, requireJsonObject } from '../common/rest/query-string';
import { idParams } from '../common/rest/id-params';
import { errorResponses } from '../common/rest/rest-errors';
import { ContactsArgs } from './contact.args';
import { CONTACT_OPERATIONS } from './contact.operations';
import type { ContactService } from './contact.service';
import { CreateContactInput, UpdateContactInput } from './contact.input';
import { CONTACT_PAGE_SCHEMA, CONTACT_SCHEMA } from './contact.schemas';

const ID_PARAMS = idParams('The contact id.');

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface ContactRouteOptions {
  servicesOf: (request: FastifyRequest) => { contacts: ContactService };
}

/** The contact paths under /api, in the audience paths' conventions. */
export async function contactRoutes(
  app: FastifyInstance,
  { servicesOf }: ContactRouteOptions,
): Promise<void> {
  app.get(
    '/contacts',
    {
      schema: {
        summary: 'Get all contacts',
        operationId: 'listContacts',
        description: `${CONTACT_OPERATIONS.list} Sortable fields: firstName, lastName, primaryPhone, createdAt. ${QUERY_RULES}`,
        tags: ['contacts'],
        querystring: inputSchema(ContactsArgs),
        response: { 200: CONTACT_PAGE_SCHEMA, ...errorResponses() },
      },
    },
    (request) => servicesOf(request).contacts.list(parseQuery(ContactsArgs, request.query)),
  );

  app.get<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      schema: {
        summary: 'Get contact by ID',
        operationId: 'getContact',
        description: CONTACT_OPERATIONS.get,
        tags: ['contacts'],
        params: ID_PARAMS,
        response: { 200: CONTACT_SCHEMA, ...errorResponses(404) },
      },
    },
    (request) => servicesOf(request).contacts.get(request.params.id),
  );

  app.post(
    '/contacts',
    {
      schema: {
        summary: 'Create a contact',
        operationId: 'createContact',
        description: CONTACT_OPERATIONS.createOne,
        tags: ['contacts'],
        body: inputSchema(CreateContactInput),
        response: { 201: CONTACT_SCHEMA, ...errorResponses(409, 413) },
      },
    },
    async (request, reply) => {
      const contact = await servicesOf(request).contacts.createOne(requireJsonObject(request.body));
      void reply.status(201);
      return contact;
    },
  );

  app.put<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      schema: {
        summary: 'Update contact',
        operationId: 'updateContact',
        description: `${CONTACT_OPERATIONS.update} An empty body changes nothing.`,
        tags: ['contacts'],
        params: ID_PARAMS,
        body: inputSchema(UpdateContactInput),
        response: { 200: CONTACT_SCHEMA, ...errorResponses(404, 409, 413) },
      },
    },
    (request) =>
      servicesOf(request).contacts.update(request.params.id, requireJsonObject(request.body)),
  );

  app.delete<{ Params: { id: string } }>(
    '/contacts/:id',
    {
      schema: {
        summary: 'Delete contact',
        operationId: 'deleteContact',
        description: CONTACT_OPERATIONS.delete,
        tags: ['contacts'],
        params: ID_PARAMS,
        response: { 200: CONTACT_SCHEMA, ...errorResponses(404) },
      },
    },
    (request) => servicesOf(request).contacts.delete(request.params.id),
  );
}
