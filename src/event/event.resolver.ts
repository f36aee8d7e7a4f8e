import { Args, Ctx, Query, Resolver } from 'type-graphql';
import { EventsArgs } from './event.args';
import { EVENT_OPERATIONS } from './event.operations';
import type { EventService } from './event.service';
import { EventConnection } from './event.type';

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
