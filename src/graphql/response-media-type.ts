import Negotiator from 'negotiator';

const JSON_TYPE = 'application/json; charset=utf-8';
const GRAPHQL_RESPONSE_TYPE = 'application/graphql-response+json; charset=utf-8';

/**
 * The media type of an answer made outside Apollo (a rate limit, a body the parser refused), as
 * Apollo would choose it from the request's `accept`: the GraphQL-over-HTTP type for clients that
 * ask for it, JSON otherwise.
 */
export function responseMediaType(accept: string | undefined): string {
  if (!accept) return JSON_TYPE;
  return (
    new Negotiator({ headers: { accept } }).mediaType([JSON_TYPE, GRAPHQL_RESPONSE_TYPE]) ??
    JSON_TYPE
  );
}
