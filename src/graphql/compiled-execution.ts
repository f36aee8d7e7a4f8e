import type {
  GatewayExecutor,
  GatewayInterface,
  GatewaySchemaLoadOrUpdateCallback,
} from '@apollo/server-gateway-interface';
import { type DocumentNode, execute, GraphQLError, type GraphQLSchema } from 'graphql';
import { type CompiledQuery, compileQuery, isCompiledQuery } from 'graphql-jit';
import type { RequestContext } from '../server/request-context';
import { PerOperation } from './per-operation';

/**
 * Queries run as JavaScript compiled for their document (graphql-jit) instead of graphql-js
 * walking the document field by field on every request: a page of 20 audiences is some 250
 * fields, and walking them was a tenth of a request's time. A document is compiled on its first
 * request and kept as long as Apollo keeps the document itself (its parsed-and-validated cache),
 * so that clients sending endless distinct documents cannot grow this cache on their own.
 *
 * What is not compiled runs on graphql-js as before: mutations (run serially, in a transaction of
 * their own, and their cost is the database's), subscriptions, and any document graphql-jit
 * refuses to compile.
 *
 * Apollo Server's hook for a different executor is its gateway interface; this "gateway" serves
 * the one local schema.
 */
export function compiledExecution(schema: GraphQLSchema): GatewayInterface {
  const executor = executorFor(schema);
  let listener: GatewaySchemaLoadOrUpdateCallback | undefined;
  return {
    onSchemaLoadOrUpdate(callback) {
      listener = callback;
      return () => {
        listener = undefined;
      };
    },
    async load() {
      listener?.({ apiSchema: schema, coreSupergraphSdl: '' });
      return { executor };
    },
    async stop() {},
  };
}

/** Runs queries compiled when they can be, and mutations in their request's transaction. */
function executorFor(schema: GraphQLSchema): GatewayExecutor {
  // The compiled query, or null when it could not be compiled.
  const compiled = new PerOperation<CompiledQuery | null>();
  const compiledFor = (document: DocumentNode, operationName: string | null) => {
    let query = compiled.get(document, operationName);
    if (query === undefined) {
      const result = compileQuery(schema, document, operationName ?? undefined, {
        // The schema's scalars serialize as graphql-js would serialize them.
        disableLeafSerialization: false,
      });
      query = isCompiledQuery(result) ? result : null;
      compiled.set(document, operationName, query);
    }
    return query;
  };
  return async ({ document, operation, operationName, request, context }) => {
    if (operation.operation === 'query') {
      const query = compiledFor(document, operationName);
      if (query) {
        const result = await query.query(undefined, context, request.variables ?? {});
        return result.errors ? { ...result, errors: result.errors.map(asGraphQLJsError) } : result;
      }
    }
    const run = (contextValue: unknown) =>
      execute({ schema, document, contextValue, variableValues: request.variables, operationName });
    if (operation.operation === 'mutation') {
      // The mutation and every read of its answer in one transaction, kept only when the answer
      // has the mutation's result: an error in its answer that nulls it (a database failure
      // reading the new audience's members, say) undoes the write the answer does not show.
      return (context as RequestContext).inTransaction(async (transactional) => {
        const result = await run(transactional);
        return { value: result, commit: result.data !== null && result.data !== undefined };
      });
    }
    return run(context);
  };
}

/**
 * graphql-jit's errors have no `extensions` unless their cause has some, where graphql-js's always
 * have an object, which Apollo Server reads: the same error as graphql-js would have made it.
 */
function asGraphQLJsError(error: GraphQLError): GraphQLError {
  const converted = new GraphQLError(error.message, {
    path: error.path,
    originalError: error.originalError,
    extensions: error.extensions,
  });
  // Where graphql-js computes them from the field's node, graphql-jit has them already.
  (converted as { locations?: GraphQLError['locations'] }).locations = error.locations;
  return converted;
}
