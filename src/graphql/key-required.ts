import type { ApolloServerPlugin } from '@apollo/server';
import { type FragmentDefinitionNode, Kind } from 'graphql';
import { missingKeyError } from '../organization/actor';
import type { RequestContext } from '../server/request-context';
import { toGraphQLError } from './format-error';
import { rootFields } from './root-fields';

/**
 * The root fields that answer without an API key: introspection (when it is on), and the
 * subgraph's own schema, which a federation router reads when it composes, before any client
 * request (and which is schema.subgraph.graphql, published anyway).
 */
const OPEN_FIELDS = new Set(['__schema', '__type', '__typename', '_service']);

/**
 * An operation that reads or changes anything of an organization's needs its API key: without
 * one it is refused before it runs, with HTTP 401 and UNAUTHENTICATED, as a key that is unknown
 * or revoked is (and as the REST door refuses both).
 */
export function keyRequiredPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, operation, contextValue }) {
          if (contextValue.actor || !operation) return;
          const fragments = new Map(
            document.definitions
              .filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION)
              .map((definition) => [
                (definition as FragmentDefinitionNode).name.value,
                definition as FragmentDefinitionNode,
              ]),
          );
          const fields = rootFields(operation.selectionSet, (name) => fragments.get(name));
          if (fields.every((field) => OPEN_FIELDS.has(field.name.value))) return;
          throw toGraphQLError(missingKeyError());
        },
      };
    },
  };
}
