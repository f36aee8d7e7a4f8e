import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import secureJson from 'secure-json-parse';
import { ValidationError } from '../../common/errors';
import { ROUTES } from '../../features';
import { requireActor } from '../../organization/actor';
import type { ApiKeyCache } from '../../organization/api-key-cache';
import type { ReadRouting } from '../read-routing';
import { apiKeyOf, createRequestContext } from '../request-context';
import { assertKnownInput } from './known-input';
import { answerUnroutedAtOnce, notFoundOrNotAllowed } from './not-found';
import { contextOf } from './rest-context';

/** The REST door under /api: authentication and body parsing for every path. */
export function apiPlugin(
  db: Knex,
  apiKeys: ApiKeyCache,
  routing: ReadRouting,
  allowed: (path: string) => string[],
) {
  return async (app: FastifyInstance): Promise<void> => {
    // The route schemas document the API and serialise responses. Input is validated by the
    // service, with the rules GraphQL uses; Fastify validating too would coerce and clamp.
    app.setValidatorCompiler(() => () => true);

    // Bodies are JSON or nothing: any other content type is refused before a handler runs.
    app.removeAllContentTypeParsers();
    // An empty body is "no body" (DELETE with a JSON content type, say), not malformed JSON.
    app.addContentTypeParser(
      'application/json',
      { parseAs: 'string' },
      async (_request: FastifyRequest, body: string | Buffer) =>
        body === '' ? undefined : parseJsonBody(body as string),
    );

    // Authentication first: a caller without a valid key gets 401 before its body is even read.
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const context = await createRequestContext(db, apiKeys, apiKeyOf(request), {
        routing,
        writes: request.method !== 'GET' && request.method !== 'HEAD',
      });
      request.ctx = context;
      requireActor(context.actor);
    });
    // Then a request no route takes, before its body is read.
    answerUnroutedAtOnce(app, allowed);
    // Then, body read, anything the path does not take.
    app.addHook('preValidation', async (request) => assertKnownInput(request));

    // Errors are mapped by the app's error handler (app.ts), which this plugin inherits.

    app.setNotFoundHandler(async (request, reply) => notFoundOrNotAllowed(request, reply, allowed));

    // The features' routes reach the request's services through this, never the assembly.
    for (const routes of ROUTES) await app.register(routes, { servicesOf: contextOf });
  };
}

/** JSON.parse that refuses keys able to pollute prototypes, with a message a client can act on. */
function parseJsonBody(text: string): unknown {
  try {
    return secureJson.parse(text, undefined, { protoAction: 'error', constructorAction: 'error' });
  } catch (error) {
    const message = (error as Error).message;
    throw ValidationError.of(
      'body',
      /prototype/i.test(message)
        ? 'the request body must not contain __proto__ or constructor.prototype keys'
        : `the request body is not valid JSON: ${message}`,
    );
  }
}
