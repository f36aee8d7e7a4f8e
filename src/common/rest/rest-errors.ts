import type { FastifyError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { httpErrorOf } from '../http-errors';

/** The one JSON shape of every REST error. */
export interface RestErrorBody {
  statusCode: number;
  error: string;
  /** What went wrong, naming the field and the rule; a list when several fields failed. */
  message: string | string[];
  /** The machine-readable facts GraphQL gives as extensions (fields, unknownContactIds, …). */
  [detail: string]: unknown;
}

const REST_ERROR_PROPERTIES = {
  statusCode: { type: 'integer', description: 'The HTTP status again.' },
  error: { type: 'string', description: 'The name of the HTTP status.' },
  message: {
    description:
      'What went wrong, naming the field and the rule; a list when several rules failed.',
    anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
  },
  // The details of the GraphQL error's extensions, under the same names.
  fields: {
    type: 'array',
    description: 'Bad input (400): each field that broke a rule, with what it broke.',
    items: {
      type: 'object',
      required: ['field', 'messages'],
      properties: {
        field: {
          type: 'string',
          description: 'Where, as sent: `name`, `contacts[3]`, `input[0].primaryPhone`.',
        },
        messages: { type: 'array', items: { type: 'string' }, description: 'The rules broken.' },
      },
    },
  },
  unknownContactIds: {
    type: 'array',
    description:
      'Adding or removing members (400): the ids that are not contacts of your organization; nothing was changed.',
    items: { type: 'string', format: 'uuid' },
  },
  takenPhones: {
    type: 'array',
    description: 'A conflict (409): the phones another contact of your organization has.',
    items: { type: 'string' },
  },
} as const;

// What each status means on these paths, for the document.
const STATUS_DESCRIPTIONS: Record<number, string> = {
  400: 'Bad input: a value that breaks a rule, a query parameter or body field the path does not take, malformed JSON, an id that is not a UUID. `message` names the field; `fields` lists each.',
  401: 'No x-api-key header (or, on POST /api/sms/inbound, HTTP Basic credentials), or a key that is unknown or revoked.',
  404: "Not found: unknown, deleted or another organization's.",
  409: 'A phone another contact of your organization has (`takenPhones` lists them); for an import, ten jobs of your organization already queued or running.',
  410: 'Gone: the cursor is older than the events kept (EVENT_RETENTION_DAYS); read again without it, from the oldest kept.',
  413: 'The request body is over the path’s limit: 1 MiB; 4 MiB for an opt-out list; 64 KiB for an inbound message; 1 GB or 5,000,000 rows for an import.',
  429: "The key's calls this minute are used up: come back after Retry-After seconds.",
  503: 'The database cannot answer right now (down, restarting, overloaded, too slow): try again.',
};

/** The error response of a status, for a route's schema. */
function errorResponse(status: number) {
  return {
    type: 'object',
    description: STATUS_DESCRIPTIONS[status] ?? 'An error.',
    required: ['statusCode', 'error', 'message'],
    properties: REST_ERROR_PROPERTIES,
    ...(status === 429 && {
      headers: {
        'Retry-After': {
          type: 'integer',
          description: 'Seconds until the key may call again.',
        },
      },
    }),
  } as const;
}

// What any path can answer: bad input (every path refuses unknown parameters), a missing or bad
// key, the rate limit and the database being away.
const EVERY_PATH = [400, 401, 429, 503];

/**
 * The error responses of a route, for its schema: those of every path, and the statuses given
 * (`...errorResponses(404, 413)`).
 */
export function errorResponses(
  ...statuses: number[]
): Record<number, ReturnType<typeof errorResponse>> {
  return Object.fromEntries(
    [...new Set([...EVERY_PATH, ...statuses])].map((status) => [status, errorResponse(status)]),
  );
}

/** Maps any error to its REST status and body; a 500 means an unexpected failure. */
export function toRestError(error: unknown): RestErrorBody {
  const { statusCode, messages, details } = httpErrorOf(error);
  return { ...body(statusCode, messages.length === 1 ? messages[0]! : messages), ...details };
}

/**
 * Errors Fastify's router raises before any route runs, in the same shape as every other error
 * (its own would echo the whole path back and carry a `code` of its own).
 */
export function toFrameworkError(error: FastifyError): RestErrorBody {
  // Past the router's parameter limit (as long as Node lets a URL be, unless its header limit is
  // raised): what the route itself would say of such an id.
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') return body(400, 'id must be a UUID');
  if (error.code === 'FST_ERR_BAD_URL') return body(400, 'the URL is malformed');
  return toRestError(error);
}

function body(statusCode: number, message: string | string[]): RestErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
