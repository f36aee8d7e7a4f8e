import { IsEnum } from 'class-validator';
import { ArgsType, Field, registerEnumType } from 'type-graphql';
import { PageArgs } from '../common/pagination';
import { SearchRules } from '../common/search';
import { SortOrder } from '../common/sorting';

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
    description: 'Case-insensitive substring of firstName, lastName or primaryPhone.',
  })
  @SearchRules()
  search?: string | null;

  @Field(() => ContactSortField, {
    defaultValue: ContactSortField.createdAt,
    description: 'Sort column.',
  })
  @IsEnum(ContactSortField)
  sortBy: ContactSortField = ContactSortField.createdAt;

  @Field(() => SortOrder, { defaultValue: SortOrder.desc, description: 'Sort direction.' })
  @IsEnum(SortOrder)
  sortOrder: SortOrder = SortOrder.desc;
}
