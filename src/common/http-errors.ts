import type { FastifyError } from 'fastify';
import { toAppError } from './database-errors';
import { type ErrorCode, HTTP_STATUS, ValidationError } from './errors';

/** What an error means over HTTP, whichever door answers it: its status and what to say. */
export interface HttpError {
  statusCode: number;
  /** What went wrong, naming the field and the rule; one entry per rule that failed. */
  messages: string[];
  /** The error's machine-readable facts (GraphQL's extensions): fields, unknownContactIds, … */
  details?: Record<string, unknown>;
}

// Fastify's own client errors, in the words a client of this API needs.
const FASTIFY_MESSAGES: Record<string, string> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'Content-Type must be application/json',
  FST_ERR_CTP_BODY_TOO_LARGE: 'the request body is too large',
};

/**
 * Any error as HTTP: the service's own (the error table of errors.ts), a database that cannot
 * answer (503), the HTTP framework's client errors (4xx), and anything else a 500. The REST door
 * shapes it as `{ statusCode, error, message }`, the GraphQL door as an error with a code.
 */
export function httpErrorOf(error: unknown): HttpError {
  const appError = toAppError(error);
  if (appError) {
    const messages =
      appError instanceof ValidationError
        ? appError.problems.flatMap((problem) => problem.messages)
        : [appError.message];
    return { statusCode: HTTP_STATUS[appError.code], messages, details: appError.details };
  }
  const fastifyError = error as Partial<FastifyError>;
  const status = fastifyError.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message =
      FASTIFY_MESSAGES[fastifyError.code ?? ''] ?? fastifyError.message ?? 'bad request';
    // A wrong content type is bad input like any other (the contract knows 400, not 415).
    return { statusCode: status === 415 ? 400 : status, messages: [message] };
  }
  return { statusCode: 500, messages: ['Internal server error'] };
}

/** The error code of an HTTP status that has one of its own (429 RATE_LIMITED, 503, …). */
export function errorCodeOfStatus(statusCode: number): ErrorCode | undefined {
  return (Object.keys(HTTP_STATUS) as ErrorCode[]).find(
    (code) => HTTP_STATUS[code] === statusCode && code !== 'BAD_USER_INPUT',
  );
}
