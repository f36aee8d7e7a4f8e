import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { ValidationError } from '../common/errors';
import { inputSchema } from '../common/json-schema';
import { PageArgs } from '../common/pagination';
import { idParams } from '../common/rest/id-params';
import { outputSchema } from '../common/rest/output-schema';
import { parseQuery, QUERY_RULES } from '../common/rest/query-string';
import { errorResponses } from '../common/rest/rest-errors';
import { type ImportFormat, MAX_IMPORT_BYTES } from '../contact/contact-import';
import { ImportQuery } from './import.args';
import { UploadTooLargeError } from './import-upload';
import { IMPORT_OPERATIONS } from './import.operations';
import { ContactImport, ContactImportPage } from './import-job.type';
import type { ContactImportService } from './import.service';

const FORMATS: Record<string, ImportFormat> = {
  'text/csv': 'csv',
  'application/x-ndjson': 'ndjson',
};
const UPLOAD_SCHEMA = { type: 'string', description: 'The file, UTF-8.' };
const JOB = outputSchema(ContactImport);

/** What the app's assembly gives these routes: the services of a request (its key's actor). */
export interface ImportRouteOptions {
  servicesOf: (request: FastifyRequest) => { contactImports: ContactImportService };
}

/** POST /api/contacts/imports and the reads of its jobs. */
export async function importRoutes(
  app: FastifyInstance,
  { servicesOf }: ImportRouteOptions,
): Promise<void> {
  // The upload reaches the service as the stream it is (kept whole on disk, never in memory);
  // any other body is refused here, naming the types taken.
  // JSON too: the API's JSON parser would read a body up to this route's limit (1 GB) first.
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(Object.keys(FORMATS), (_request, payload, done) => done(null, payload));
  app.addContentTypeParser('*', (request, _payload, done) =>
    done(
      ValidationError.of(
        'body',
        `Content-Type must be text/csv or application/x-ndjson, got ${request.headers['content-type']}`,
      ),
    ),
  );

  app.post(
    '/contacts/imports',
    {
      bodyLimit: MAX_IMPORT_BYTES,
      config: { responseTimeoutAfterBody: true },
      schema: {
        summary: 'Import contacts from a file (a job)',
        operationId: 'startContactImport',
        description: IMPORT_OPERATIONS.start,
        tags: ['contacts'],
        querystring: inputSchema(ImportQuery),
        body: {
          content: {
            'text/csv': { schema: UPLOAD_SCHEMA },
            'application/x-ndjson': { schema: UPLOAD_SCHEMA },
          },
        },
        response: {
          202: {
            ...JOB,
            description: 'The job, queued or running; its Location header is where to poll it.',
          },
          ...errorResponses(404, 409, 413),
        },
      },
    },
    async (request, reply) => {
      const type = (request.headers['content-type'] ?? '').split(';');
      const format = FORMATS[type[0]!.trim().toLowerCase()];
      const charset = /charset=("?)([^";]+)\1/i.exec(type.slice(1).join(';'))?.[2];
      if (!format)
        throw ValidationError.of('body', 'Content-Type must be text/csv or application/x-ndjson');
      if (charset && !['utf-8', 'utf8'].includes(charset.toLowerCase())) {
        throw ValidationError.of('body', `the file must be UTF-8, not ${charset}`);
      }
      // A declared size past the limit is refused before a byte of it is read.
      if (Number(request.headers['content-length'] ?? 0) > MAX_IMPORT_BYTES) {
        throw new UploadTooLargeError('1 GB');
      }
      const query = parseQuery(ImportQuery, request.query);
      if (query.audienceId !== undefined && typeof query.audienceId !== 'string') {
        throw ValidationError.of('audienceId', 'audienceId must be a UUID');
      }
      const job = await servicesOf(request).contactImports.start({
        format,
        body: request.body as Readable,
        audienceId: query.audienceId,
      });
      void reply.status(202).header('location', `/api/contacts/imports/${job.id}`);
      return job;
    },
  );

  app.get(
    '/contacts/imports',
    {
      schema: {
        summary: 'List import jobs',
        operationId: 'listContactImports',
        description: `${IMPORT_OPERATIONS.list} ${QUERY_RULES}`,
        tags: ['contacts'],
        querystring: inputSchema(PageArgs),
        response: { 200: outputSchema(ContactImportPage), ...errorResponses() },
      },
    },
    (request) => servicesOf(request).contactImports.list(parseQuery(PageArgs, request.query)),
  );

  app.get<{ Params: { id: string } }>(
    '/contacts/imports/:id',
    {
      schema: {
        summary: 'Get an import job',
        operationId: 'getContactImport',
        description: IMPORT_OPERATIONS.get,
        tags: ['contacts'],
        params: idParams('The import job id.'),
        response: { 200: JOB, ...errorResponses(404) },
      },
    },
    (request) => servicesOf(request).contactImports.get(request.params.id),
  );
}
