import { ArgsType, Field, registerEnumType } from 'type-graphql';
import { PageArgs } from '../common/pagination';
import { SearchRules } from '../common/search';
import { SortBy, SortDirection, SortOrder } from '../common/sorting';

/** The columns audiences sort by, named as in the REST contract. */
export enum AudienceSortField {
  name = 'name',
  createdAt = 'createdAt',
  updatedAt = 'updatedAt',
}

registerEnumType(AudienceSortField, {
  name: 'AudienceSortField',
  description: 'What a list of audiences is sorted by.',
  valuesConfig: {
    name: { description: 'Name.' },
    createdAt: { description: 'Creation time.' },
    updatedAt: { description: 'Time of the last update.' },
  },
});

@ArgsType()
export class AudiencesArgs extends PageArgs {
  @Field(() => String, {
    nullable: true,
    description:
      'Case-insensitive substring of the name or the description; up to 256 characters, without the NUL character (U+0000). Null, empty or left out: every audience.',
  })
  @SearchRules()
  search?: string | null;

  @SortBy(AudienceSortField, AudienceSortField.createdAt)
  sortBy: AudienceSortField = AudienceSortField.createdAt;

  @SortDirection()
  sortOrder: SortOrder = SortOrder.desc;
}
