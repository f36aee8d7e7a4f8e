/**
 * The errors a client can cause. Each has one fixed code; the GraphQL door maps it to
 * `extensions.code` and the REST door to an HTTP status, each in one place.
 */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'GONE'
  | 'RATE_LIMITED'
  | 'SERVICE_UNAVAILABLE';

export abstract class AppError extends Error {
  abstract readonly code: ErrorCode;
  /** Extra machine-readable facts for the client (they become GraphQL extensions). */
  readonly details: Record<string, unknown> = {};
}

export interface FieldProblem {
  /** Path of the offending field, as the client sent it: `name`, `contacts[3]`. */
  field: string;
  messages: string[];
}

export class ValidationError extends AppError {
  readonly code = 'BAD_USER_INPUT';

  constructor(readonly problems: FieldProblem[]) {
    super(problems.flatMap((problem) => problem.messages).join('; '));
    this.name = 'ValidationError';
    this.details.fields = problems;
  }

  static of(field: string, message: string): ValidationError {
    return new ValidationError([{ field, messages: [message] }]);
  }
}

export class NotFoundError extends AppError {
  readonly code = 'NOT_FOUND';

  constructor(what: string, id: string) {
    super(`${what} ${id} not found`);
    this.name = 'NotFoundError';
  }
}

/** The request is well formed but clashes with what is stored (a phone another contact has). */
export class ConflictError extends AppError {
  readonly code = 'CONFLICT';

  constructor(message: string, details: Record<string, unknown> = {}) {
    super(message);
    this.name = 'ConflictError';
    Object.assign(this.details, details);
  }
}

/** What was asked for existed once and is gone for good (an event cursor past retention). */
export class GoneError extends AppError {
  readonly code = 'GONE';

  constructor(message: string) {
    super(message);
    this.name = 'GoneError';
  }
}

export class UnauthenticatedError extends AppError {
  readonly code = 'UNAUTHENTICATED';

  constructor(message: string) {
    super(message);
    this.name = 'UnauthenticatedError';
  }
}

/**
 * The service cannot answer now (the database down, restarting, overloaded or too slow to answer
 * in time): the client may try again.
 */
export class ServiceUnavailableError extends AppError {
  readonly code = 'SERVICE_UNAVAILABLE';

  constructor(message = 'The database is unavailable right now; try again shortly') {
    super(message);
    this.name = 'ServiceUnavailableError';
  }
}

/** The HTTP status of each error code, for the REST door and for GraphQL responses alike. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  BAD_USER_INPUT: 400,
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  // Said by the rate limit in front of both doors (server/rate-limit.ts), never by a service.
  RATE_LIMITED: 429,
  SERVICE_UNAVAILABLE: 503,
};
