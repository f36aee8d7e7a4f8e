import { Arg, Ctx, Query, Resolver } from 'type-graphql';
import type { RequestContext } from '../server/request-context';
import { resolveEntities } from './entities';
import { AnyScalar, EntityUnion, SubgraphService } from './federation.types';
import { subgraphSdl } from './subgraph-sdl';

/** The two root fields a federation router calls on a subgraph. */
@Resolver()
export class FederationResolver {
  @Query(() => SubgraphService, {
    name: '_service',
    description: 'This service as a subgraph: its schema for composition (Apollo Federation).',
  })
  async service(): Promise<SubgraphService> {
    return { sdl: await subgraphSdl() };
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
    @Ctx() context: RequestContext,
  ) {
    return resolveEntities(context, representations);
  }
}
