import { Field, ID, InterfaceType } from 'type-graphql';

/**
 * Relay's global object identification: every object a client may want to fetch again by id
 * alone implements Node, and `node(id)` finds it (src/node). Ids are the UUIDs of the REST
 * contract, already unique across types.
 */
@InterfaceType('Node', {
  description:
    'An object with an id unique across every type: `node(id)` fetches it again (Relay global object identification).',
})
export abstract class Node {
  @Field(() => ID, { description: 'The id (UUID), unique across every type.' })
  id!: string;
}
