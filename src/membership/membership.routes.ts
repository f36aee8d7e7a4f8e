import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ContactAudiencesArgs } from './membership.args';
import { ContactIdsInput } from './membership.input';
import { AUDIENCE_LIST_RESPONSE_SCHEMA } from '../audience/audience.schemas';
import type { AudienceService } from '../audience/audience.service';
import { inputSchema } from '../common/json-schema';
import { idParams } from '../common/rest/id-params';
import { parseQuery, QUERY_RULES, requireJsonObject } from '../common/rest/query-string';
import { errorResponses } from '../common/rest/rest-errors';
import { ContactsArgs } from '../contact/contact.args';
import { CONTACT_PAGE_SCHEMA } from '../contact/contact.schemas';
import type { ContactService } from '../contact/contact.service';
import { MEMBERSHIP_OPERATIONS } from './membership.operations';
import type { MembershipService } from './membership.service';

const AUDIENCE_ID_PARAMS = idParams('The audience id.');
const CONTACT_ID_PARAMS = idParams('The contact id.');

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface MembershipRouteOptions {
  servicesOf: (request: FastifyRequest) => {
    audiences: AudienceService;
    contacts: ContactService;
    memberships: MembershipService;
  };
}

/**
 * The membership paths: an audience's members, adding and removing them, and a contact's
 * audiences. Under the audience and contact tags of the documentation, where clients look.
 */
export async function membershipRoutes(
  app: FastifyInstance,
  { servicesOf }: MembershipRouteOptions,
): Promise<void> {
  app.get<{ Params: { id: string } }>(
    '/audience/:id/contacts',
    {
      schema: {
        summary: 'Get paginated list of contacts belonging to an audience',
        operationId: 'listAudienceContacts',
        description: `${MEMBERSHIP_OPERATIONS.members} Sortable fields: firstName, lastName, primaryPhone, createdAt. ${QUERY_RULES}`,
        tags: ['audience'],
        params: AUDIENCE_ID_PARAMS,
        querystring: inputSchema(ContactsArgs),
        response: { 200: CONTACT_PAGE_SCHEMA, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { audiences, memberships } = servicesOf(request);
      const audience = await audiences.get(request.params.id);
      return memberships.contacts(audience, parseQuery(ContactsArgs, request.query));
    },
  );

  membershipRoute(app, servicesOf, {
    path: '/audience/:id/add-contacts',
    operationId: 'addContactsToAudience',
    summary: 'Add multiple contacts to an audience segment',
    description: MEMBERSHIP_OPERATIONS.add,
    answer: 'The contact ids added.',
    change: (memberships, id, body) => memberships.addContacts(id, body),
  });

  membershipRoute(app, servicesOf, {
    path: '/audience/:id/remove-contacts',
    operationId: 'removeContactsFromAudience',
    summary: 'Remove multiple contacts from an audience segment',
    description: MEMBERSHIP_OPERATIONS.remove,
    answer: 'The contact ids taken out (members or not).',
    change: (memberships, id, body) => memberships.removeContacts(id, body),
  });

  app.get<{ Params: { id: string } }>(
    '/contacts/:id/audiences',
    {
      schema: {
        summary: 'Get the audiences a contact belongs to',
        operationId: 'listContactAudiences',
        description: `${MEMBERSHIP_OPERATIONS.contactAudiences} Sortable fields: name, createdAt, updatedAt. Not found when the contact is unknown or another organization's. ${QUERY_RULES}`,
        tags: ['contacts'],
        params: CONTACT_ID_PARAMS,
        querystring: inputSchema(ContactAudiencesArgs),
        response: { 200: AUDIENCE_LIST_RESPONSE_SCHEMA, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { contacts, memberships } = servicesOf(request);
      const contact = await contacts.get(request.params.id);
      return memberships.ofContact(contact, parseQuery(ContactAudiencesArgs, request.query));
    },
  );
}

/** A path that changes an audience's members by a list of contact ids (add or remove). */
function membershipRoute(
  app: FastifyInstance,
  servicesOf: MembershipRouteOptions['servicesOf'],
  route: {
    path: string;
    operationId: string;
    summary: string;
    description: string;
    answer: string;
    change: (
      memberships: MembershipService,
      id: string,
      body: ContactIdsInput,
    ) => Promise<string[]>;
  },
): void {
  app.post<{ Params: { id: string } }>(
    route.path,
    {
      schema: {
        summary: route.summary,
        operationId: route.operationId,
        description: route.description,
        tags: ['audience'],
        params: AUDIENCE_ID_PARAMS,
        body: inputSchema(ContactIdsInput),
        response: {
          200: {
            type: 'array',
            items: { type: 'string', format: 'uuid' },
            description: route.answer,
          },
          ...errorResponses(404, 413),
        },
      },
    },
    (request) =>
      route.change(
        servicesOf(request).memberships,
        request.params.id,
        requireJsonObject<ContactIdsInput>(request.body),
      ),
  );
}
