import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { ArgsType, Field, Int, registerEnumType } from 'type-graphql';
import { MAX_PAGE_SIZE, DEFAULT_PAGE_SIZE, PageArgs } from '../common/pagination';
import { SearchRules } from '../common/search';
import { SortBy, SortDirection, SortOrder } from '../common/sorting';
import { ConsentFilterArg } from './consent.args';
import type { ConsentStatus } from './consent.type';

/** The columns contacts sort by, named as in the REST contract. */
export enum ContactSortField {
  firstName = 'firstName',
  lastName = 'lastName',
  primaryPhone = 'primaryPhone',
  createdAt = 'createdAt',
}

registerEnumType(ContactSortField, {
  name: 'ContactSortField',
  description: 'What a list of contacts is sorted by.',
  valuesConfig: {
    firstName: { description: 'Given name.' },
    lastName: { description: 'Family name.' },
    primaryPhone: { description: 'Phone number.' },
    createdAt: { description: 'Creation time.' },
  },
});

@ArgsType()
export class ContactsArgs extends PageArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'Case-insensitive substring of firstName, lastName or primaryPhone; up to 256 characters, without the NUL character (U+0000). Null, empty or left out: every contact.',
  })
  @SearchRules()
  search?: string | null;

  @SortBy(ContactSortField, ContactSortField.createdAt)
  sortBy: ContactSortField = ContactSortField.createdAt;

  @SortDirection()
  sortOrder: SortOrder = SortOrder.desc;

  @ConsentFilterArg('SMS')
  smsConsent?: ConsentStatus | null;

  @ConsentFilterArg('e-mail')
  emailConsent?: ConsentStatus | null;
}

/** Cursor pagination over an audience's contacts: every page costs the same, however deep. */
@ArgsType()
export class ContactsConnectionArgs {
  @Field(() => Int, {
    defaultValue: DEFAULT_PAGE_SIZE,
    description: `How many contacts, 0 to ${MAX_PAGE_SIZE}; 0 answers no edges, with totalCount and pageInfo.`,
  })
  @IsInt()
  @Min(0)
  @Max(MAX_PAGE_SIZE)
  first: number = DEFAULT_PAGE_SIZE;

  @Field(() => String, {
    nullable: true,
    description: 'The endCursor of the previous page; null or left out for the first page.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  after?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      'Case-insensitive substring of firstName, lastName or primaryPhone, up to 256 characters, without the NUL character (U+0000); totalCount counts the matches. Null, empty or left out: every member. A cursor belongs to its search, sort and consent filter: `after` with another one is refused (BAD_USER_INPUT).',
  })
  @SearchRules()
  search?: string | null;

  @SortBy(ContactSortField, ContactSortField.createdAt)
  sortBy: ContactSortField = ContactSortField.createdAt;

  @SortDirection()
  sortOrder: SortOrder = SortOrder.desc;

  @ConsentFilterArg('SMS')
  smsConsent?: ConsentStatus | null;

  @ConsentFilterArg('e-mail')
  emailConsent?: ConsentStatus | null;
}
