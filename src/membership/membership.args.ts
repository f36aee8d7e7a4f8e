import { ArgsType } from 'type-graphql';
import { AudienceSortField } from '../audience/audience.args';
import { PageArgs } from '../common/pagination';
import { SortBy, SortDirection, SortOrder } from '../common/sorting';

/** The arguments of a contact's audiences: the list's, without a search. */
@ArgsType()
export class ContactAudiencesArgs extends PageArgs {
  @SortBy(AudienceSortField, AudienceSortField.createdAt)
  sortBy: AudienceSortField = AudienceSortField.createdAt;

  @SortDirection()
  sortOrder: SortOrder = SortOrder.desc;
}
