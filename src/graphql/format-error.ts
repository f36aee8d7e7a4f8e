import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { toAppError } from '../common/database-errors';
import { type AppError, HTTP_STATUS } from '../common/errors';

/**
 * Maps errors to what a client sees: our domain errors keep their message and code, GraphQL's
 * own (syntax, validation, bad variables) pass as they are, and anything else becomes a bare
 * INTERNAL_SERVER_ERROR: its details go to the log, never to the client.
 */
export function createErrorFormatter(logError: (error: unknown) => void) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const unwrapped = unwrapResolverError(error);
    const cause =
      unwrapped instanceof GraphQLError && unwrapped.originalError
        ? unwrapped.originalError
        : unwrapped;
    const appError = toAppError(cause);
    if (appError) {
      return {
        ...formatted,
        message: appError.message,
        extensions: { ...appError.details, code: appError.code },
      };
    }
    if (cause instanceof GraphQLError) {
      const { stacktrace: _stacktrace, ...extensions } = formatted.extensions ?? {};
      // graphql-js's own complaint about the request found while executing it (an explicit null
      // variable for a non-null argument that has a default): the client's error, not ours.
      if (extensions.code === 'INTERNAL_SERVER_ERROR' && !cause.originalError) {
        extensions.code = 'BAD_USER_INPUT';
      }
      return { ...formatted, extensions };
    }
    logError(cause);
    return {
      message: 'Internal server error',
      locations: formatted.locations,
      path: formatted.path,
      extensions: { code: 'INTERNAL_SERVER_ERROR' },
    };
  };
}

/** Our error as a GraphQLError, for places Apollo handles before formatting (the context). */
export function toGraphQLError(error: AppError): GraphQLError {
  return new GraphQLError(error.message, {
    extensions: { ...error.details, code: error.code, http: { status: HTTP_STATUS[error.code] } },
  });
}
