import type { GraphQLResolveInfo } from 'graphql';
import { Arg, Ctx, Info, Query, Resolver } from 'type-graphql';
import { ENTITIES_PER_STATEMENT, type EntityServices, resolveEntities } from './entities';
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
    description: `The entities of these representations, in their order: null for one that is unknown or another organization's. Each distinct entity is read once, one statement per type and per ${ENTITIES_PER_STATEMENT} distinct ids (Apollo Federation).`,
  })
  entities(
    @Arg('representations', () => [AnyScalar], {
      description:
        '`{ __typename, id }` objects of the types of _Entity, repeats included; as many as the operation cost allows, which counts the selection once per distinct entity.',
    })
    representations: unknown[],
    @Ctx() context: EntityServices,
  ) {
    return resolveEntities(context, representations);
  }
}
