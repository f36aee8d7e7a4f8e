import { IsEnum, IsOptional } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';
import { Field } from 'type-graphql';
import { ConsentStatus } from './consent.type';

/** A list's filter on one channel's consent; what `where` wants of each channel. */
export interface ConsentFilter {
  sms?: ConsentStatus;
  email?: ConsentStatus;
}

/**
 * A list's `smsConsent` or `emailConsent` argument: only the contacts with that status on the
 * channel; left out or null, every contact. Declared once here for every list of contacts.
 */
export function ConsentFilterArg(channel: 'SMS' | 'e-mail'): PropertyDecorator {
  return (target, property) => {
    Field(() => ConsentStatus, {
      nullable: true,
      description: `Only the contacts with this ${channel} consent status; the total counts them exactly. Null or left out: every contact.`,
    })(target, property);
    IsOptional()(target, property);
    IsEnum(ConsentStatus)(target, property);
    (JSONSchema({ nullable: true }) as PropertyDecorator)(target, property);
  };
}

/** The consent filter of a list's arguments. */
export function consentFilterOf(args: {
  smsConsent?: ConsentStatus | null;
  emailConsent?: ConsentStatus | null;
}): ConsentFilter {
  return {
    ...(args.smsConsent && { sms: args.smsConsent }),
    ...(args.emailConsent && { email: args.emailConsent }),
  };
}

/** The filter as a cursor keeps it (CursorScope.filter): empty without one. */
export function consentFilterTag(filter: ConsentFilter): string {
  return [filter.sms && `sms=${filter.sms}`, filter.email && `email=${filter.email}`]
    .filter(Boolean)
    .join('&');
}
