import {
  ArrayMaxSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ArgsType, Field, Int } from 'type-graphql';
import { EVENT_TYPE_NAMES } from './event-types';

export const DEFAULT_EVENTS_PAGE = 100;
export const MAX_EVENTS_PAGE = 1000;

const AFTER =
  'The cursor of the last event read (`nextCursor`, `endCursor`); null or left out, the feed starts at the oldest event kept.';
const TYPES = `Only events of these types (${EVENT_TYPE_NAMES.join(', ')}); null or left out, every type.`;

/** The feed by cursor (GraphQL `events`). */
@ArgsType()
export class EventsArgs {
  @Field(() => String, { nullable: true, description: AFTER })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string | null;

  @Field(() => Int, {
    defaultValue: DEFAULT_EVENTS_PAGE,
    description: `How many events, 0 to ${MAX_EVENTS_PAGE}.`,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_EVENTS_PAGE)
  first: number = DEFAULT_EVENTS_PAGE;

  @Field(() => [String], { nullable: true, description: TYPES })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  types?: string[] | null;
}

/** The query of GET /api/events: the same feed, the REST way (`limit`, `types=a,b`). */
export class EventFeedQuery {
  @JSONSchema({ description: AFTER })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string;

  @JSONSchema({ description: `How many events, 1 to ${MAX_EVENTS_PAGE}.` })
  @IsInt()
  @Min(1)
  @Max(MAX_EVENTS_PAGE)
  limit: number = DEFAULT_EVENTS_PAGE;

  @JSONSchema({ description: `${TYPES} Comma-separated.` })
  @IsOptional()
  @IsString()
  @MaxLength(1024)
  types?: string;
}

/** A subscription to the events as they commit (GraphQL `subscription { events }`). */
@ArgsType()
export class EventStreamArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'A feed cursor to resume from: the events after it come first. Null or left out: the events that commit from now on.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string | null;

  @Field(() => [String], { nullable: true, description: TYPES })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  types?: string[] | null;
}
