import { type ClassType, Field, ObjectType } from 'type-graphql';
import { PaginationMeta } from '../pagination';

/** The one page shape of every paginated list: `{ data, meta }`, as in the REST contract. */
export function PageType<T extends object>(itemType: ClassType<T>) {
  @ObjectType({ simpleResolvers: true })
  abstract class PageClass {
    @Field(() => [itemType], { description: 'The items of this page, in the order asked for.' })
    data!: T[];

    @Field(() => PaginationMeta, { description: 'Where this page stands in the whole list.' })
    meta!: PaginationMeta;
  }
  return PageClass;
}
