import { Arg, Ctx, ID, Query, Resolver } from 'type-graphql';
import { Node } from '../common/types/node.type';
import { findNodes, MAX_NODES, type NodeServices } from './nodes';

/** Relay's root fields of global object identification: any audience or contact by its id. */
@Resolver()
export class NodeResolver {
  @Query(() => Node, {
    nullable: true,
    description:
      "The audience or contact with this id, of your organization; null when there is none (unknown, deleted or another organization's).",
  })
  async node(
    @Arg('id', () => ID, { description: 'The id (UUID) of an audience or a contact.' }) id: string,
    @Ctx() context: NodeServices,
  ) {
    const [node] = await findNodes(context, [id], 'id');
    return node;
  }

  @Query(() => [Node], {
    nullable: 'items',
    description: `The audiences and contacts with these ids, in their order, null for each that cannot be found; up to ${MAX_NODES} ids, read in one statement per type.`,
  })
  nodes(
    @Arg('ids', () => [ID], { description: `Up to ${MAX_NODES} ids (UUIDs).` }) ids: string[],
    @Ctx() context: NodeServices,
  ) {
    return findNodes(context, ids);
  }
}
