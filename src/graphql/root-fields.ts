import { type FieldNode, type FragmentDefinitionNode, Kind, type SelectionSetNode } from 'graphql';

/**
 * The root fields an operation selects, through its fragments and inline fragments (each fragment
 * once), in document order; `fragment` finds a fragment by name.
 */
export function rootFields(
  selectionSet: SelectionSetNode,
  fragment: (name: string) => FragmentDefinitionNode | null | undefined,
  spread = new Set<string>(),
): FieldNode[] {
  return selectionSet.selections.flatMap((selection) => {
    if (selection.kind === Kind.FIELD) return [selection];
    if (selection.kind === Kind.INLINE_FRAGMENT) {
      return rootFields(selection.selectionSet, fragment, spread);
    }
    if (spread.has(selection.name.value)) return [];
    spread.add(selection.name.value);
    const definition = fragment(selection.name.value);
    return definition ? rootFields(definition.selectionSet, fragment, spread) : [];
  });
}
