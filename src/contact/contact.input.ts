import { IsEnum, IsOptional, IsString, Matches } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Field, InputType } from 'type-graphql';
import { Characters, HasNoNul, IsNotBlank } from '../common/validation';
import { ConsentStatus } from './consent.type';

export const MAX_CONTACTS_PER_CREATE = 1000;

// The rules of each contact field, written once for creation and update.
const NAME_RULES = 'characters, not blank, without the NUL character (U+0000)';
const PHONE_RULE =
  'in E.164 form: +, then 2 to 15 digits, e.g. +1234567890; unique within your organization (a phone another contact has is a CONFLICT)';

function all(...decorators: PropertyDecorator[]): PropertyDecorator {
  return (target, property) => decorators.forEach((decorate) => decorate(target, property));
}

const PersonName = () => all(IsString(), Characters(1, 100), IsNotBlank(), HasNoNul());

const E164Phone = () =>
  all(
    IsString(),
    Matches(/^\+[1-9]\d{1,14}$/, {
      message: '$property must be a phone number in E.164 form, like +1234567890',
    }),
  );

// An address as a sender can deliver to: a dot-atom local part of up to 64 characters, @, then a
// domain of two or more labels ending in a top-level name of letters (or an xn-- one). Letters
// beyond ASCII are taken where class-validator's isEmail took them (the Basic Multilingual Plane,
// so that the rule reads the same with or without a regular expression's `u` flag). Published as
// this pattern in the OpenAPI document: `format: email` would promise `user@localhost` and
// `user@[127.0.0.1]`, which are refused.
const LETTERS = String.raw`\u00a1-\ud7ff\ue000-\uffff`;
const ATOM = String.raw`[A-Za-z0-9!#$%&'*+/=?^_${'`'}{|}~${LETTERS}-]+`;
const LABEL = String.raw`[A-Za-z0-9${LETTERS}](?:[A-Za-z0-9${LETTERS}-]{0,61}[A-Za-z0-9${LETTERS}])?`;
const TOP_LEVEL = String.raw`(?:[A-Za-z${LETTERS}]{2,63}|xn--[A-Za-z0-9-]{1,59})`;
export const EMAIL_PATTERN = new RegExp(
  String.raw`^(?=[^@]{1,64}@)${ATOM}(?:\.${ATOM})*@(?:${LABEL}\.)+${TOP_LEVEL}$`,
);

const ConsentGiven = (rule: string) =>
  all(
    Field(() => ConsentStatus, { nullable: true, description: rule }),
    IsOptional(),
    IsEnum(ConsentStatus),
    JSONSchema({ nullable: true }) as PropertyDecorator,
  );

const EMAIL_CONSENT_RULE =
  'SUBSCRIBED only with a primaryEmail (bad input otherwise); removing the e-mail address makes it NEVER_SUBSCRIBED';

const Email = () =>
  all(
    IsString(),
    Characters(0, 254),
    // class-validator's own words for IsEmail, which clients may already match on.
    Matches(EMAIL_PATTERN, { message: '$property must be an email' }),
  );

@InputType({ description: 'A new contact.' })
export class CreateContactInput {
  @Field({ description: `Given name, 1 to 100 ${NAME_RULES}.` })
  @PersonName()
  firstName!: string;

  @Field({ description: `Family name, 1 to 100 ${NAME_RULES}.` })
  @PersonName()
  lastName!: string;

  @Field({ description: `Phone number ${PHONE_RULE}.` })
  @E164Phone()
  primaryPhone!: string;

  @Field(() => String, {
    nullable: true,
    description:
      'E-mail address, up to 254 characters, with a domain of two or more labels (ada@example.com; not user@localhost nor user@[127.0.0.1]); null or left out: none.',
  })
  @IsOptional()
  @Email()
  @JSONSchema({ nullable: true })
  primaryEmail?: string | null;

  @ConsentGiven(
    'Marketing consent to text messages, recorded as the API’s, now; null or left out: NEVER_SUBSCRIBED.',
  )
  smsConsent?: ConsentStatus | null;

  @ConsentGiven(
    `Marketing consent to e-mail, ${EMAIL_CONSENT_RULE.split(';')[0]}; null or left out: NEVER_SUBSCRIBED.`,
  )
  emailConsent?: ConsentStatus | null;
}

@InputType({
  description:
    'Changes to a contact, with the rules of creation; fields left out keep their value.',
})
export class UpdateContactInput {
  @Field(() => String, {
    nullable: true,
    description: `New given name, 1 to 100 ${NAME_RULES}; null or left out: kept.`,
  })
  @IsOptional()
  @PersonName()
  @JSONSchema({ nullable: true })
  firstName?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `New family name, 1 to 100 ${NAME_RULES}; null or left out: kept.`,
  })
  @IsOptional()
  @PersonName()
  @JSONSchema({ nullable: true })
  lastName?: string | null;

  @Field(() => String, {
    nullable: true,
    description: `New phone number ${PHONE_RULE}; null or left out: kept.`,
  })
  @IsOptional()
  @E164Phone()
  @JSONSchema({ nullable: true })
  primaryPhone?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'New e-mail address, with the rules of creation; null removes it (and makes emailConsent NEVER_SUBSCRIBED); left out: kept.',
  })
  @IsOptional()
  @Email()
  @JSONSchema({ nullable: true })
  primaryEmail?: string | null;

  @ConsentGiven(
    'New marketing consent to text messages, recorded as the API’s; the same status again changes and records nothing; null or left out: kept.',
  )
  smsConsent?: ConsentStatus | null;

  @ConsentGiven(
    `New marketing consent to e-mail, ${EMAIL_CONSENT_RULE}, and with primaryEmail null only NEVER_SUBSCRIBED; null or left out: kept.`,
  )
  emailConsent?: ConsentStatus | null;
}
