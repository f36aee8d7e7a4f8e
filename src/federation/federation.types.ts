import { GraphQLScalarType, Kind, type ValueNode } from 'graphql';
import { createUnionType, Field, ObjectType } from 'type-graphql';
import { Audience } from '../audience/audience.type';
import { Contact } from '../contact/contact.type';

/** What Apollo Federation calls a representation: `{ __typename, id }`, as a router sends it. */
export const AnyScalar = new GraphQLScalarType({
  name: '_Any',
  description:
    'An entity representation, `{ "__typename": "Audience", "id": "…" }` (Apollo Federation).',
  parseValue: (value) => value,
  parseLiteral: function literal(node: ValueNode): unknown {
    switch (node.kind) {
      case Kind.OBJECT:
        return Object.fromEntries(
          node.fields.map((field) => [field.name.value, literal(field.value)]),
        );
      case Kind.LIST:
        return node.values.map(literal);
      case Kind.STRING:
      case Kind.ENUM:
        return node.value;
      case Kind.INT:
      case Kind.FLOAT:
        return Number(node.value);
      case Kind.BOOLEAN:
        return node.value;
      default:
        return null;
    }
  },
});

@ObjectType('_Service', { description: 'This service as a subgraph (Apollo Federation).' })
export class SubgraphService {
  @Field(() => String, {
    description: 'The subgraph schema, with its @key directives: what a router composes.',
  })
  sdl!: string;
}

/**
 * The entity types. Entities are returned as instances of their class, which is how the union
 * tells them apart: synchronously, as graphql-jit needs (an async resolveType is not run by it).
 */
export const EntityUnion = createUnionType({
  name: '_Entity',
  description: 'The types other subgraphs can refer to by key (Apollo Federation).',
  types: () => [Audience, Contact] as const,
});
