import { inputSchema } from '../json-schema';
import { ValidationError } from '../errors';

/** What OpenAPI 3.0 cannot say in a schema, for each list's description: these parameters only. */
export const QUERY_RULES =
  'Integers in plain decimal form; a parameter sent twice, or one not listed, is refused (400).';

/**
 * Query parameters are strings; the args classes want numbers where they count. A value that is
 * an integer in decimal becomes a number, anything else stays as sent and fails the class's own
 * rule ("limit must be an integer number"), so nothing is clamped or guessed.
 */
export function parseQuery<T extends object>(type: new () => T, query: unknown): Partial<T> {
  if (query === null || typeof query !== 'object') return {};
  const properties = inputSchema(type).properties ?? {};
  return Object.fromEntries(
    Object.entries(query as Record<string, unknown>).map(([name, value]) => [
      name,
      properties[name]?.type === 'integer' ? toInteger(value) : value,
    ]),
    // What the args class takes, as far as a query string can say it; the service checks it.
  ) as Partial<T>;
}

function toInteger(value: unknown): unknown {
  if (typeof value !== 'string' || !/^-?\d{1,15}$/.test(value)) return value;
  return Number(value);
}

/**
 * A request body must be a JSON object before any of its fields can be checked. It is handed on
 * as the input the service expects (`T`), which the service then checks field by field.
 */
export function requireJsonObject<T = Record<string, unknown>>(body: unknown): T {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw ValidationError.of('body', 'the request body must be a JSON object');
  }
  return body as T;
}
