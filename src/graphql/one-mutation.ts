import {
  type ASTVisitor,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';

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
      const fields = rootFields(operation.selectionSet, context, new Set());
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

function rootFields(
  selectionSet: SelectionSetNode,
  context: ValidationContext,
  spread: Set<string>,
): string[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) {
      return selection.name.value === '__typename'
        ? []
        : [selection.alias?.value ?? selection.name.value];
    }
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return rootFields(selection.selectionSet, context, spread);
    }
    if (spread.has(selection.name.value)) return [];
    spread.add(selection.name.value);
    const fragment: FragmentDefinitionNode | null | undefined = context.getFragment(
      selection.name.value,
    );
    return fragment ? rootFields(fragment.selectionSet, context, spread) : [];
  });
}
