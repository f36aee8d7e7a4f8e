import type { FastifyError } from 'fastify';
import { STATUS_CODES } from 'node:http';
import { httpErrorOf } from '../http-errors';

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

/** The error responses of a route, for its schema: `...errorResponses(400, 401, 404)`. */
export function errorResponses(...statuses: number[]): Record<number, typeof REST_ERROR_SCHEMA> {
  return Object.fromEntries(statuses.map((status) => [status, REST_ERROR_SCHEMA]));
}

/** Maps any error to its REST status and body; a 500 means an unexpected failure. */
export function toRestError(error: unknown): RestErrorBody {
  const { statusCode, messages } = httpErrorOf(error);
  return body(statusCode, messages.length === 1 ? messages[0]! : messages);
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
