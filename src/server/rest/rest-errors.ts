import type { FastifyError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { toAppError } from '../../common/database-errors';
import { HTTP_STATUS, ValidationError } from '../../common/errors';

/** The one JSON shape of every REST error. */
export interface RestErrorBody {
  statusCode: number;
  error: string;
  /** What went wrong, naming the field and the rule; a list when several fields failed. */
  message: string | string[];
}

export const REST_ERROR_SCHEMA = {
  type: 'object',
  description: 'An error.',
  required: ['statusCode', 'error', 'message'],
  properties: {
    statusCode: { type: 'integer', description: 'The HTTP status again.' },
    error: { type: 'string', description: 'The name of the HTTP status.' },
    message: {
      description:
        'What went wrong, naming the field and the rule; a list when several rules failed.',
      anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
    },
  },
} as const;

// Fastify's own client errors, in the words a client of this API needs.
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
};

/** The error responses of a route, for its schema: `...errorResponses(400, 401, 404)`. */
export function errorResponses(...statuses: number[]): Record<number, typeof REST_ERROR_SCHEMA> {
  return Object.fromEntries(statuses.map((status) => [status, REST_ERROR_SCHEMA]));
}

/** Maps any error to its REST status and body; a 500 means an unexpected failure. */
export function toRestError(error: unknown): RestErrorBody {
  const appError = toAppError(error);
  if (appError) {
    const messages =
      appError instanceof ValidationError
        ? appError.problems.flatMap((problem) => problem.messages)
        : [appError.message];
    return body(HTTP_STATUS[appError.code], messages.length === 1 ? messages[0]! : messages);
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      FASTIFY_MESSAGES[fastifyError.code ?? ''] ?? fastifyError.message ?? 'bad request';
    // A wrong content type is bad input like any other (the contract knows 400, not 415).
    return body(status === 415 ? 400 : status, message);
  }
  return body(500, 'Internal server error');
}

/**
 * Errors Fastify's router raises before any route runs, in the same shape as every other error
 * (its own would echo the whole path back and carry a `code` of its own).
 */
export function toFrameworkError(error: FastifyError): RestErrorBody {
  if (error.code === 'FST_ERR_MAX_PARAM_LENGTH') {
    return body(414, 'a path parameter is too long (ids are 36-character UUIDs)');
  }
  if (error.code === 'FST_ERR_BAD_URL') return body(400, 'the URL is malformed');
  return toRestError(error);
}

function body(statusCode: number, message: string | string[]): RestErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
}
