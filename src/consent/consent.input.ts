import {
  IsArray,
  IsEnum,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { ArgsType, Field, InputType, Int } from 'type-graphql';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../common/pagination';
import { HasNoNul } from '../common/validation';
import { SmsKeywordAction } from './consent.type';
import { KEYWORD_PATTERN, MAX_KEYWORD_LENGTH } from './sms-keywords';

/** The most phones one opt-out list takes. */
export const MAX_OPT_OUT_PHONES = 100_000;

/** The longest inbound message taken: ten concatenated segments of 160 characters. */
export const MAX_INBOUND_BODY = 1600;

/** The body of POST /api/contacts/opt-outs; GraphQL's recordOptOuts takes the same. */
export class OptOutsInput {
  @JSONSchema({
    type: 'array',
    minItems: 1,
    maxItems: MAX_OPT_OUT_PHONES,
    items: { type: 'string', maxLength: 32 },
    description: `1 to ${MAX_OPT_OUT_PHONES.toLocaleString('en')} phones in E.164 (spaces, dots, dashes and brackets are dropped; a leading 00 is read as +).`,
  })
  // Each phone's rules are the service's (recordOptOuts), which names every bad one.
  @IsArray()
  phones!: string[];

  @JSONSchema({
    type: 'string',
    enum: ['sms', 'email'],
    description: 'The channel to unsubscribe.',
  })
  @IsIn(['sms', 'email'], { message: 'channel must be "sms" or "email"' })
  channel!: 'sms' | 'email';
}

/**
 * One inbound text message, as JSON (`from`, `body`) or as the form fields an SMS provider's
 * webhook posts (`From`, `Body`; the other fields it posts are ignored).
 */
export class InboundSmsInput {
  @IsString()
  @MaxLength(64)
  @HasNoNul()
  @JSONSchema({ description: 'The sender’s phone, in E.164 whatever its spacing (+212 6 12…).' })
  from!: string;

  @IsString()
  @MaxLength(MAX_INBOUND_BODY)
  @JSONSchema({ description: `The message, up to ${MAX_INBOUND_BODY} characters.` })
  body!: string;
}

@InputType({ description: 'An SMS keyword of your organization and what it does.' })
export class SmsKeywordInput {
  @Field({
    description: `One word of 1 to ${MAX_KEYWORD_LENGTH} letters or digits (any script), matched in any case; not one of the built-in keywords.`,
  })
  @IsString()
  @Matches(KEYWORD_PATTERN, {
    message: `$property must be one word of 1 to ${MAX_KEYWORD_LENGTH} letters or digits`,
  })
  keyword!: string;

  @Field(() => SmsKeywordAction, { description: 'What a message of this keyword does.' })
  @IsEnum(SmsKeywordAction)
  action!: SmsKeywordAction;
}

/** A contact's consent record by cursor, newest first. */
@ArgsType()
export class ConsentHistoryArgs {
  @Field(() => Int, {
    defaultValue: DEFAULT_PAGE_SIZE,
    description: `How many changes, 0 to ${MAX_PAGE_SIZE}.`,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => String, {
    nullable: true,
    description: 'The endCursor of the previous page; null or left out for the newest changes.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string | null;
}
