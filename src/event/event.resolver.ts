import { Args, Ctx, Query, Resolver, Root, Subscription } from 'type-graphql';
import { EventsArgs, EventStreamArgs } from './event.args';
import { EVENT_OPERATIONS } from './event.operations';
import type { EventService } from './event.service';
import { Event, EventConnection } from './event.type';

/** What these resolvers need of a request's context (built by the app's assembly). */
interface EventContext {
  events: EventService;
}

/** The event feed. */
@Resolver()
export class EventResolver {
  @Query(() => EventConnection, { description: EVENT_OPERATIONS.feed })
  events(@Args() args: EventsArgs, @Ctx() { events }: EventContext) {
    return events.connection(args);
  }
}

/** The events as they commit, over graphql-ws (graphql/subscriptions.ts). */
@Resolver()
export class EventSubscriptionResolver {
  @Subscription(() => Event, {
    description: EVENT_OPERATIONS.live,
    subscribe: ({ args, context }) => (context as EventContext).events.live(args),
  })
  events(@Root() event: Event, @Args() _args: EventStreamArgs): Event {
    return event;
  }
}
