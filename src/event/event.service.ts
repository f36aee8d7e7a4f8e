import type { Knex } from '@mikro-orm/postgresql';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { GoneError, ValidationError } from '../common/errors';
import { validateInput } from '../common/validation';
import { type Actor, requireActor } from '../organization/actor';
import { EventFeedQuery, EventsArgs, EventStreamArgs } from './event.args';
import { findEvents, findFeedBounds } from './event.repository';
import { EVENT_TYPE_NAMES, isEventType } from './event-types';
import type { Event, EventConnection, EventFeedPage } from './event.type';

// A cursor of the feed names a sequence of its organization's: the feed's position, whatever
// the types read (a reader may change its filter and go on from where it stands).
const FEED_SCOPE = { sortBy: 'events', sortOrder: 'asc', search: null };

// How often a subscription looks for new events while there are none, and how many it reads at once.
const LIVE_POLL_MS = 250;
const LIVE_PAGE = 100;

/** A page of the feed: its events, the cursor after them, and whether more follow now. */
export interface FeedPage {
  events: Event[];
  cursor: string;
  /** The position `cursor` names. */
  position: number;
  hasMore: boolean;
}

/** Every rule about reading events: the feed of both doors (and the subscriptions' start). */
export class EventService {
  constructor(
    private readonly db: Knex,
    private readonly actor: Actor | null,
  ) {}

  /** GET /api/events. */
  async feed(query: Partial<EventFeedQuery>): Promise<EventFeedPage> {
    const valid = await validateInput(EventFeedQuery, query);
    const types = valid.types === undefined ? null : valid.types.split(',');
    const page = await this.read(valid.after, valid.limit, validTypes(types));
    return { data: page.events, meta: { nextCursor: page.cursor, hasMore: page.hasMore } };
  }

  /** GraphQL `events`. */
  async connection(args: Partial<EventsArgs>): Promise<EventConnection> {
    const valid = await validateInput(EventsArgs, args);
    const page = await this.read(valid.after, valid.first, validTypes(valid.types ?? null));
    const edges = page.events.map((node) => ({ node, cursor: this.cursorAt(node.sequence) }));
    return {
      edges,
      pageInfo: {
        hasNextPage: page.hasMore,
        hasPreviousPage: Boolean(valid.after),
        startCursor: edges[0]?.cursor ?? null,
        endCursor: page.cursor,
      },
    };
  }

  /**
   * The events after a cursor (the oldest kept without one). A cursor older than what retention
   * kept is GONE: reading on from it would skip events without a word.
   */
  async read(
    after: string | null | undefined,
    limit: number,
    types: readonly string[] | null,
  ): Promise<FeedPage> {
    return this.readFrom(after ? this.sequenceOf(after) : null, limit, types);
  }

  /**
   * Where a cursor stands in the feed, checked against where the feed stands: GONE before what
   * is kept, bad input past the end (no cursor this API gave out is).
   */
  async positionOf(after: string, field = 'after'): Promise<number> {
    const { organizationId } = requireActor(this.actor);
    const position = this.sequenceOf(after, field);
    this.checkPosition(position, await findFeedBounds(this.db, organizationId), field);
    return position;
  }

  private checkPosition(
    position: number,
    { prunedThrough, last }: { prunedThrough: number; last: number },
    field = 'after',
  ): void {
    if (position < prunedThrough) {
      throw new GoneError(
        `${field} is older than the events kept (the oldest kept follows ${prunedThrough}, this cursor ${position}): read again without it, from the oldest kept`,
      );
    }
    if (position > last) {
      throw ValidationError.of(field, `${field} is past the end of your organization's events`);
    }
  }

  /**
   * The events after a position (after the oldest kept when null), at most `limit`, of `types`
   * only when given, in one statement. At the end of the feed the cursor is its last event,
   * whatever the types read: a reader of a rare type moves on with the feed.
   */
  async readFrom(
    position: number | null,
    limit: number,
    types: readonly string[] | null,
  ): Promise<FeedPage> {
    const { organizationId } = requireActor(this.actor);
    const read = await findEvents(this.db, organizationId, {
      after: position,
      limit: limit + 1,
      types,
    });
    if (position !== null) this.checkPosition(position, read);
    const events = read.events.slice(0, limit);
    const hasMore = read.events.length > limit;
    const start = position ?? read.prunedThrough;
    const end = hasMore ? (events.at(-1)?.sequence ?? start) : Math.max(read.last, start);
    return { events, cursor: this.cursorAt(end), position: end, hasMore };
  }

  /**
   * The events as they commit, for a GraphQL subscription: those after `after` first when it is
   * given, else those that commit from now on; polled every LIVE_POLL_MS while there are none.
   */
  async live(args: Partial<EventStreamArgs>): Promise<AsyncIterableIterator<Event>> {
    const valid = await validateInput(EventStreamArgs, args);
    const types = validTypes(valid.types ?? null);
    const { organizationId } = requireActor(this.actor);
    const start = valid.after
      ? await this.positionOf(valid.after)
      : (await findFeedBounds(this.db, organizationId)).last;
    return new LiveFeed(start, (position) => this.readFrom(position, LIVE_PAGE, types));
  }

  /** The cursor of a position in the organization's feed. */
  cursorAt(sequence: number): string {
    const { organizationId } = requireActor(this.actor);
    return encodeCursor(FEED_SCOPE, { value: String(sequence), id: organizationId });
  }

  /** The sequence a cursor of this organization's feed names. */
  sequenceOf(cursor: string, field = 'after'): number {
    const { organizationId } = requireActor(this.actor);
    const { value, id } = decodeCursor(field, cursor, FEED_SCOPE);
    const sequence = Number(value);
    if (id !== organizationId || !Number.isSafeInteger(sequence) || sequence < 0) {
      throw ValidationError.of(field, `${field} is not a cursor of your organization's events`);
    }
    return sequence;
  }
}

/** A `types` filter: known types only (a misspelt one would read nothing, silently). */
export function validTypes(types: readonly string[] | null, field = 'types'): string[] | null {
  if (types === null) return null;
  const unknown = types.filter((type) => !isEventType(type));
  if (unknown.length > 0 || types.length === 0) {
    throw ValidationError.of(
      field,
      `${field} must list event types among ${EVENT_TYPE_NAMES.join(', ')}${unknown.length > 0 ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  }
  return [...new Set(types)];
}

/**
 * The events of a subscription, one by one: read a page at a time from its position, polled
 * while there are none. Ended by `return` (the client completed, or went away) even while it
 * waits, which an async generator could not be.
 */
class LiveFeed implements AsyncIterableIterator<Event> {
  private buffer: Event[] = [];
  private closed = false;
  private wake: (() => void) | undefined;

  constructor(
    private position: number,
    private readonly readFrom: (position: number) => Promise<FeedPage>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterableIterator<Event> {
    return this;
  }

  async next(): Promise<IteratorResult<Event>> {
    while (!this.closed) {
      const event = this.buffer.shift();
      if (event) return { value: event, done: false };
      const page = await this.readFrom(this.position);
      if (this.closed) break;
      this.buffer = page.events;
      this.position = page.position;
      if (page.events.length === 0) {
        await new Promise<void>((resolve) => {
          this.wake = resolve;
          setTimeout(resolve, LIVE_POLL_MS).unref();
        });
      }
    }
    return { value: undefined, done: true };
  }

  async return(): Promise<IteratorResult<Event>> {
    this.closed = true;
    this.wake?.();
    return { value: undefined, done: true };
  }
}
