import { Field, ObjectType } from 'type-graphql';

@ObjectType({
  simpleResolvers: true,
  description: 'Where a connection page stands (Relay cursor pagination).',
})
export class PageInfo {
  @Field({ description: 'Whether more items follow the last edge.' })
  hasNextPage!: boolean;

  @Field({ description: 'Whether items precede the first edge (true when `after` was given).' })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: 'The cursor of the first edge.' })
  startCursor!: string | null;

  @Field(() => String, {
    nullable: true,
    description: 'The cursor of the last edge: pass it as `after`.',
  })
  endCursor!: string | null;
}
