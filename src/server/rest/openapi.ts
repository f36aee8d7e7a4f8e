import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { API_KEY_HEADER } from '../request-context';

/**
 * The OpenAPI 3 document of the REST paths, generated from their route schemas, at
 * /api/openapi.json, and Swagger UI at /api/docs, served from this package's own files.
 * Registered before the routes, so that it sees them all; untagged routes (GraphQL, health) stay out.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    hideUntagged: true,
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'audience-gateway REST API',
        version: '1.0.0',
        description:
          'The documented REST paths over audiences, their contacts and consent. Every path needs an API key ' +
          `in the ${API_KEY_HEADER} header and sees only that key's organization.`,
      },
      // Relative to where this document is served: the same origin, whatever its address.
      servers: [{ url: '/', description: 'This service (the origin this document came from).' }],
      tags: [
        { name: 'audience', description: 'Audiences and their contacts.' },
        { name: 'contacts', description: 'Contacts, their consent and the audiences they are in.' },
        { name: 'events', description: 'The record of every change: the feed.' },
        { name: 'sms', description: 'Inbound text messages and their keywords (opt-outs).' },
        { name: 'webhooks', description: 'Receivers of the events, signed and retried.' },
      ],
      components: {
        securitySchemes: {
          apiKey: { type: 'apiKey', in: 'header', name: API_KEY_HEADER },
          // POST /api/sms/inbound only: an SMS provider's webhook sends the key as the password.
          basicAuth: {
            type: 'http',
            scheme: 'basic',
            description: 'The API key as the password (the user name is not read).',
          },
        },
      },
      security: [{ apiKey: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
