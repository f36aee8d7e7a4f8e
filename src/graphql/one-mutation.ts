import { type ASTVisitor, GraphQLError, type ValidationContext } from 'graphql';
import { rootFields } from './root-fields';

/**
 * One change per mutation operation. Root mutation fields run one after another, and each answers
 * non-null: when a later one fails (a bad input, an unknown id), its error nulls the whole answer
 * (`data: null`) over the changes made before it, and a client that retries makes them twice. With
 * one root field, an error with `data: null` always means nothing was changed.
 */
export function oneMutationFieldRule(context: ValidationContext): ASTVisitor {
  return {
    OperationDefinition(operation) {
      if (operation.operation !== 'mutation') return;
      const fields = rootFields(operation.selectionSet, (name) => context.getFragment(name))
        .filter((field) => field.name.value !== '__typename')
        .map((field) => field.alias?.value ?? field.name.value);
      if (fields.length > 1) {
        context.reportError(
          new GraphQLError(
            `A mutation operation makes one change: this one has ${fields.length} (${fields.join(', ')}). ` +
              'Send each in a request of its own, so that an error never hides a change made before it.',
            { nodes: operation },
          ),
        );
      }
    },
  };
}
