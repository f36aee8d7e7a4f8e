import { type ApolloServerPlugin, HeaderMap } from '@apollo/server';
import {
  type DocumentNode,
  type FragmentDefinitionNode,
  getArgumentValues,
  getDirectiveValues,
  getNamedType,
  GraphQLError,
  type GraphQLFormattedError,
  GraphQLIncludeDirective,
  type GraphQLObjectType,
  type GraphQLSchema,
  GraphQLSkipDirective,
  getVariableValues,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { validConsentHistoryArgs } from '../consent/consent.service';
import {
  validContactAudiencesArgs,
  validContactsArgs,
  validContactsConnectionArgs,
} from '../membership/membership.service';

/**
 * The rules of the arguments of fields that a mutation's answer can select below its root field,
 * by `Type.field`: the service's own, so that they are the rules the field applies when it runs.
 * A test checks that every such field of the schema has one.
 */
export const NESTED_ARGUMENT_RULES: Record<
  string,
  (args: Record<string, unknown>) => Promise<unknown>
> = {
  'Audience.contacts': validContactsArgs,
  'Audience.contactsConnection': validContactsConnectionArgs,
  'Contact.audiences': validContactAudiencesArgs,
  'Contact.consentHistory': validConsentHistoryArgs,
};

interface Failure {
  error: unknown;
  path: string[];
  node: Parameters<typeof getArgumentValues>[1];
}

/**
 * A mutation's write must never hide behind an answer that says it failed. Its root field checks
 * its own arguments before it writes, but a field of its answer (`createAudience { contacts(limit:
 * 0) { … } }`) runs after the write: its error used to null the whole answer (`data: null`) over a
 * committed write. So before a mutation runs, every argument of every field its answer selects is
 * checked against that field's rules; the first that fails is answered as it would have been,
 * with nothing executed. An error with `data: null` on a mutation thus means nothing happened.
 */
export function nestedArgumentsPlugin(
  format: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError,
): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, schema, document, request }) {
          if (operation.operation !== 'mutation') return null;
          const failure = await firstFailure(schema, document, operation, request.variables);
          if (!failure) return null;
          const error = new GraphQLError(
            failure.error instanceof Error ? failure.error.message : String(failure.error),
            {
              nodes: [failure.node],
              path: failure.path,
              originalError:
                failure.error instanceof GraphQLError ? undefined : (failure.error as Error),
              extensions:
                failure.error instanceof GraphQLError ? failure.error.extensions : undefined,
            },
          );
          // As Apollo Server hands errors to the formatter: with a code, INTERNAL_SERVER_ERROR when
          // none (the formatter then tells the client's errors from ours).
          const json = error.toJSON();
          const formatted = format(
            { ...json, extensions: { code: 'INTERNAL_SERVER_ERROR', ...json.extensions } },
            error,
          );
          return {
            http: { status: 200, headers: new HeaderMap() },
            body: { kind: 'single', singleResult: { data: null, errors: [formatted] } },
          };
        },
      };
    },
  };
}

async function firstFailure(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
): Promise<Failure | undefined> {
  const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables ?? {});
  // Variables that do not fit their types are refused by execution, before anything runs.
  if (coerced.errors) return undefined;
  const values = coerced.coerced;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.FRAGMENT_DEFINITION)
      fragments.set(definition.name.value, definition);
  }
  const included = (
    node: { directives?: readonly unknown[] } & Parameters<typeof getDirectiveValues>[1],
  ) =>
    getDirectiveValues(GraphQLSkipDirective, node, values)?.if !== true &&
    getDirectiveValues(GraphQLIncludeDirective, node, values)?.if !== false;

  const visit = async (
    type: GraphQLObjectType,
    selectionSet: SelectionSetNode,
    path: string[],
    nested: boolean,
  ): Promise<Failure | undefined> => {
    for (const selection of selectionSet.selections) {
      if (!included(selection)) continue;
      if (selection.kind === Kind.FIELD) {
        const field = type.getFields()[selection.name.value];
        if (!field) continue;
        const here = [...path, selection.alias?.value ?? selection.name.value];
        if (nested && field.args.length > 0) {
          try {
            const args = getArgumentValues(field, selection, values);
            await NESTED_ARGUMENT_RULES[`${type.name}.${field.name}`]?.(args);
          } catch (error) {
            return { error, path: here, node: selection };
          }
        }
        const named = getNamedType(field.type);
        if (selection.selectionSet && isObjectType(named)) {
          const failure = await visit(named, selection.selectionSet, here, true);
          if (failure) return failure;
        }
        continue;
      }
      const fragment =
        selection.kind === Kind.INLINE_FRAGMENT ? selection : fragments.get(selection.name.value);
      if (!fragment) continue;
      const condition = fragment.typeCondition
        ? schema.getType(fragment.typeCondition.name.value)
        : type;
      if (!isObjectType(condition)) continue;
      const failure = await visit(condition, fragment.selectionSet, path, nested);
      if (failure) return failure;
    }
    return undefined;
  };
  const root = schema.getMutationType();
  return root ? visit(root, operation.selectionSet, [], false) : undefined;
}
