import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Field, InputType } from 'type-graphql';
import { Characters, HasNoNul } from '../common/validation';
import { EVENT_TYPE_NAMES } from '../event/event-types';

/** The longest webhook URL taken. */
export const MAX_URL_LENGTH = 2048;
/** The most subscriptions an organization may have. */
export const MAX_WEBHOOKS = 20;

const URL_RULE =
  'The receiver: https (plain http only where WEBHOOK_ALLOW_HTTP is on), up to 2,048 characters, whose host resolves to public addresses only (checked again at every delivery; loopback, private, link-local and metadata addresses only where WEBHOOK_ALLOW_PRIVATE is on). Redirects are not followed.';
const EVENTS_RULE = `The event types it receives, 1 to ${EVENT_TYPE_NAMES.length} of ${EVENT_TYPE_NAMES.join(', ')}.`;
const EVENT_TYPES_SCHEMA = {
  type: 'array',
  minItems: 1,
  maxItems: EVENT_TYPE_NAMES.length,
  items: { type: 'string', enum: EVENT_TYPE_NAMES },
  description: EVENTS_RULE,
} as const;

@InputType({ description: 'A new webhook subscription.' })
export class CreateWebhookInput {
  @Field({ description: URL_RULE })
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoNul()
  url!: string;

  @Field(() => [String], { description: EVENTS_RULE })
  @JSONSchema(EVENT_TYPES_SCHEMA)
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_TYPE_NAMES.length)
  @IsString({ each: true })
  events!: string[];

  @Field(() => String, {
    nullable: true,
    description: 'What it is for, up to 256 characters; null or left out: none.',
  })
  @IsOptional()
  @IsString()
  @Characters(0, 256)
  @HasNoNul()
  @JSONSchema({ nullable: true })
  description?: string | null;
}

@InputType({ description: 'Changes to a webhook subscription; fields left out keep their value.' })
export class UpdateWebhookInput {
  @Field(() => String, { nullable: true, description: `${URL_RULE} Null or left out: kept.` })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_URL_LENGTH)
  @HasNoNul()
  @JSONSchema({ nullable: true })
  url?: string | null;

  @Field(() => [String], { nullable: true, description: `${EVENTS_RULE} Null or left out: kept.` })
  @JSONSchema({ ...EVENT_TYPES_SCHEMA, nullable: true })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(EVENT_TYPE_NAMES.length)
  @IsString({ each: true })
  events?: string[] | null;

  @Field(() => String, {
    nullable: true,
    description: 'What it is for, up to 256 characters; null removes it; left out: kept.',
  })
  @IsOptional()
  @IsString()
  @Characters(0, 256)
  @HasNoNul()
  @JSONSchema({ nullable: true })
  description?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'true enables a subscription (one disabled after failing for 24 hours starts again from the event it failed at; GONE when retention has pruned that event: replay it instead), false stops deliveries; null or left out: kept.',
  })
  @IsOptional()
  @IsBoolean()
  @JSONSchema({ nullable: true })
  enabled?: boolean | null;
}

@InputType({ description: 'Where a replay starts.' })
export class ReplayWebhookInput {
  @Field({
    description:
      'A cursor of the event feed (`nextCursor`, `endCursor`): the events after it are delivered again, in order, then the new ones.',
  })
  @IsString()
  @MaxLength(512)
  after!: string;
}
