import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import { type ComplexityEstimator, getComplexity, simpleEstimator } from 'graphql-query-complexity';
import { MAX_PAGE_SIZE } from '../common/pagination';
import { PerOperation } from './per-operation';
import { distinctEntities } from '../federation/entities';

/**
 * The most one operation may cost. A field costs 1 plus what it selects, and a list field's
 * selection counts once per item its `limit` or `first` asks for. The largest sensible operation
 * (100 audiences, each with 100 contacts by page and 100 by cursor) costs about 120,000; two of them
 * aliased side by side do not fit.
 */
export const MAX_OPERATION_COST = 200_000;

// The most fields the cost is counted over, fragments expanded; graphql-query-complexity throws
// this message past it.
const MAX_COSTED_FIELDS = 10_000;
const TOO_MANY_FIELDS = 'Query exceeds the maximum allowed number of nodes.';

// Multiplies a list field's selection by its page size. Sizes past the schema's bound are
// counted at the bound: validation refuses them anyway, with a clearer message than a cost.
// A federation router's `_entities` is a list of its representations: counted once per distinct
// entity, as each is read once (routers repeat an entity once per place it appears).
const pageSizeEstimator: ComplexityEstimator = ({ args, childComplexity }) => {
  if (Array.isArray(args.representations)) {
    return 1 + distinctEntities(args.representations) * childComplexity;
  }
  // `nodes(ids)` likewise, once per id.
  if (Array.isArray(args.ids)) return 1 + args.ids.length * childComplexity;
  const size: unknown = args.limit ?? args.first;
  if (typeof size !== 'number') return undefined;
  return 1 + Math.min(Math.max(size, 1), MAX_PAGE_SIZE) * childComplexity;
};

/**
 * Refuses an operation over MAX_OPERATION_COST before it runs (400, GRAPHQL_VALIDATION_FAILED,
 * naming the limit and the cost found). It runs once the operation is known, with the request's
 * variables, so `limit: $n` is costed at the $n sent; a validation rule would see only literals.
 */
export function operationCostPlugin<T extends object>(): ApolloServerPlugin<T> {
  // The cost of a document sent without variables, per operation name: it cannot change, and the
  // same few documents come again and again. Held as long as Apollo holds the document.
  const costs = new PerOperation<number>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ request, document, schema, operationName }) {
          const constant =
            request.variables === undefined || Object.keys(request.variables).length === 0;
          // Only costs within the limit are kept: a known document here is known to pass.
          if (constant && costs.get(document, operationName) !== undefined) return;
          let cost: number;
          try {
            cost = getComplexity({
              schema,
              query: document,
              variables: request.variables ?? {},
              operationName: operationName ?? undefined,
              estimators: [pageSizeEstimator, simpleEstimator({ defaultComplexity: 1 })],
              maxQueryNodes: MAX_COSTED_FIELDS,
            });
          } catch (error) {
            // Past MAX_COSTED_FIELDS (fragments spread into each other, doubling at every level):
            // refused, as too costly to even count.
            if (error instanceof Error && error.message === TOO_MANY_FIELDS) {
              throw new GraphQLError(
                `Query field limit of ${MAX_COSTED_FIELDS} exceeded once its fragments are expanded.`,
                { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
              );
            }
            // Variables that do not fit their types: execution reports them as BAD_USER_INPUT.
            return;
          }
          if (cost > MAX_OPERATION_COST) {
            throw new GraphQLError(
              `Query cost limit of ${MAX_OPERATION_COST} exceeded, found ${cost}. A list field ` +
                'costs its selection once per item of its `limit` or `first`.',
              { extensions: { code: 'GRAPHQL_VALIDATION_FAILED', http: { status: 400 } } },
            );
          }
          if (constant) costs.set(document, operationName, cost);
        },
      };
    },
  };
}
