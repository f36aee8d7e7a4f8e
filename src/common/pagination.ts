import { ArgsType, Field, Int, ObjectType } from 'type-graphql';
import { IsInt, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;
// The largest GraphQL Int: a bound that both doors share, so `page` means the same everywhere.
const MAX_PAGE = 2_147_483_647;

/** `page` and `limit` of every paginated list, with the contract's defaults and bounds. */
@ArgsType()
export class PageArgs {
  @Field(() => Int, { description: 'Page number, from 1.', defaultValue: 1 })
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE)
  page: number = 1;

  @Field(() => Int, {
    description: `Items per page, 1 to ${MAX_PAGE_SIZE}.`,
    defaultValue: DEFAULT_PAGE_SIZE,
  })
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;
}

@ObjectType({ simpleResolvers: true, description: 'Where a page stands in the whole list.' })
export class PaginationMeta {
  @Field(() => Int, { description: 'The page returned, from 1.' })
  page!: number;

  @Field(() => Int, { description: 'The page size asked for.' })
  limit!: number;

  @Field(() => Int, { description: 'How many items match, over all pages.' })
  total!: number;

  @Field(() => Int, {
    description: 'How many pages of `limit` items the matches fill (0 when none match).',
  })
  totalPages!: number;

  @Field({ description: 'Whether a page follows this one.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether a page precedes this one.' })
  hasPreviousPage!: boolean;
}

export interface Page<T> {
  data: T[];
  meta: PaginationMeta;
}

export interface PageWindow {
  limit: number;
  offset: number;
}

export function pageWindow({ page, limit }: PageArgs): PageWindow {
  return { limit, offset: (page - 1) * limit };
}

export function toPage<T>(data: T[], total: number, { page, limit }: PageArgs): Page<T> {
  const totalPages = Math.ceil(total / limit);
  return {
    data,
    meta: {
      page,
      limit,
      total,
      totalPages,
      hasNextPage: page < totalPages,
      hasPreviousPage: page > 1,
    },
  };
}
