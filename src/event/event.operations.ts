import { MAX_EVENTS_PAGE } from './event.args';

/** How many subscriptions one API key may hold open at once, on each instance. */
export const MAX_SUBSCRIPTIONS_PER_KEY = 10;

/**
 * What each event operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations.
 */
export const EVENT_OPERATIONS = {
  feed: `The organization’s events after a cursor, in sequence order (1 to ${MAX_EVENTS_PAGE.toLocaleString('en')} a page): every change, made through any door, recorded in the transaction of the change. Sequences grow by one in the order changes committed, so a reader that polls from its last cursor never misses an event. Without a cursor, the feed starts at the oldest event kept (EVENT_RETENTION_DAYS); a cursor older than that is GONE (REST 410).`,
  live: `The organization’s events as they commit, in sequence order, over a WebSocket (graphql-ws at /graphql, the API key as \`x-api-key\` in the connection’s payload), at most ${MAX_SUBSCRIPTIONS_PER_KEY} at once per key. With \`after\`, the events after that cursor come first; without, those that commit from now on. A key revoked meanwhile ends the connection.`,
} as const;
