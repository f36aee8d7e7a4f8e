import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Query, Resolver } from 'type-graphql';
import { type EntityServices, resolveEntities } from './entities';
import { AnyScalar, EntityUnion, SubgraphService } from './federation.types';
import { subgraphSdlOf } from './subgraph-sdl';

/** The two root fields a federation router calls on a subgraph. */
@Resolver()
export class FederationResolver {
  @Query(() => SubgraphService, {
    name: '_service',
    description: 'This service as a subgraph: its schema for composition (Apollo Federation).',
  })
  service(@Info() info: GraphQLResolveInfo): SubgraphService {
    return { sdl: subgraphSdlOf(info.schema) };
  }

  @Query(() => [EntityUnion], {
    name: '_entities',
    nullable: 'items',
    description:
      "The entities of these representations, in their order: null for one that is unknown or another organization's. One statement per type (Apollo Federation).",
  })
  entities(
    @Arg('representations', () => [AnyScalar], {
      description: 'Up to 1000 `{ __typename, id }` objects of the types of _Entity.',
    })
    representations: unknown[],
    @Ctx() context: EntityServices,
  ) {
    return resolveEntities(context, representations);
  }
}
