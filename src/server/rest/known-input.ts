import type { FastifyRequest } from 'fastify';
import { type FieldProblem, ValidationError } from '../../common/errors';

interface RouteSchema {
  querystring?: { properties?: Record<string, unknown> };
  body?: unknown;
}

/**
 * A request names only what its path takes: every query parameter must be one its route declares,
 * and a path without a body schema takes no body fields. Checked for every path before its
 * handler runs, so that a write never goes through with an option it ignored
 * (`POST /api/contacts?dryRun=true` creating the contact). The fields of a body a path does take
 * are checked by the service, with the rules GraphQL shares.
 */
export function assertKnownInput(request: FastifyRequest): void {
  const schema = (request.routeOptions.schema ?? {}) as RouteSchema;
  const declared = schema.querystring?.properties ?? {};
  const problems: FieldProblem[] = Object.keys((request.query ?? {}) as object)
    .filter((name) => !Object.hasOwn(declared, name))
    .map((name) => ({ field: name, messages: [`property ${name} should not exist`] }));
  const body: unknown = request.body;
  if (schema.body === undefined && body !== undefined) {
    if (body === null || typeof body !== 'object' || Array.isArray(body)) {
      problems.push({
        field: 'body',
        messages: [`${request.method} ${request.routeOptions.url} takes no request body`],
      });
    } else {
      for (const name of Object.keys(body)) {
        problems.push({ field: name, messages: [`property ${name} should not exist`] });
      }
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
}
