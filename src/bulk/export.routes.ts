import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { inputSchema } from '../common/json-schema';
import { idParams } from '../common/rest/id-params';
import { parseQuery, QUERY_RULES } from '../common/rest/query-string';
import { errorResponses } from '../common/rest/rest-errors';
import { ContactExportArgs } from './export.args';
import { EXPORT_OPERATIONS } from './export.operations';
import type { ContactExport, ContactExportService } from './export.service';

const FILE = {
  description: 'The contacts, streamed (Content-Disposition: attachment).',
  content: {
    'text/csv': { schema: { type: 'string' } },
    'application/x-ndjson': { schema: { type: 'string' } },
  },
};

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface ExportRouteOptions {
  servicesOf: (request: FastifyRequest) => { contactExports: ContactExportService };
}

/** The export paths: every contact, or an audience's members, as a file. */
export async function exportRoutes(
  app: FastifyInstance,
  { servicesOf }: ExportRouteOptions,
): Promise<void> {
  app.get(
    '/contacts/export',
    {
      // A HEAD would run the whole COPY to throw it away.
      exposeHeadRoute: false,
      schema: {
        summary: 'Export contacts',
        operationId: 'exportContacts',
        description: `${EXPORT_OPERATIONS.contacts} ${QUERY_RULES}`,
        tags: ['contacts'],
        querystring: inputSchema(ContactExportArgs),
        response: { 200: FILE, ...errorResponses() },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await servicesOf(request).contactExports.contacts(
          parseQuery(ContactExportArgs, request.query),
        ),
      ),
  );

  app.get<{ Params: { id: string } }>(
    '/audience/:id/contacts/export',
    {
      exposeHeadRoute: false,
      schema: {
        summary: 'Export an audience’s contacts',
        operationId: 'exportAudienceContacts',
        description: `${EXPORT_OPERATIONS.audienceContacts} ${QUERY_RULES}`,
        tags: ['audience'],
        params: idParams('The audience id.'),
        querystring: inputSchema(ContactExportArgs),
        response: { 200: FILE, ...errorResponses(404) },
      },
    },
    async (request, reply) =>
      send(
        reply,
        await servicesOf(request).contactExports.audienceContacts(
          request.params.id,
          parseQuery(ContactExportArgs, request.query),
        ),
      ),
  );
}

function send(reply: FastifyReply, file: ContactExport) {
  // Answered already (the response timer's 503, or the client gone): the export's statement and
  // connection end now, not at their timeout.
  if (reply.sent || reply.raw.headersSent || reply.raw.destroyed) {
    file.body.destroy();
    return reply;
  }
  return reply
    .type(file.contentType)
    .header('content-disposition', `attachment; filename="${file.filename}"`)
    .send(file.body);
}
