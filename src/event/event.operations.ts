import { MAX_EVENTS_PAGE } from './event.args';

/**
 * What each event operation does, written once: the GraphQL field's description, the REST
 * path's, and the docs' table of operations.
 */
export const EVENT_OPERATIONS = {
  feed: `The organization’s events after a cursor, in sequence order (1 to ${MAX_EVENTS_PAGE.toLocaleString('en')} a page): every change, made through any door, recorded in the transaction of the change. Sequences grow by one in the order changes committed, so a reader that polls from its last cursor never misses an event. Without a cursor, the feed starts at the oldest event kept (EVENT_RETENTION_DAYS); a cursor older than that is GONE (REST 410).`,
} as const;
