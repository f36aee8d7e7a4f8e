import type { ApolloServerPlugin } from '@apollo/server';
import { Kind } from 'graphql';
import type { RequestContext } from '../server/request-context';

// Past this many root fields an operation is labelled by its type and count alone, so that the
// label's values stay few whatever clients send.
const MAX_LABELLED_FIELDS = 3;

/**
 * Records in the request's trace which operation ran and whether it failed, for the log line and
 * the metrics. The label is the operation's type and root fields ("query audiences", "mutation
 * addContactsToAudience"): names chosen by clients would let them grow a metric's values without
 * bound, while the schema's root fields are a fixed set. (Apollo hands plugins a shallow copy of
 * the context, so the trace object is shared and the copy is not.)
 */
export function operationLabelPlugin(): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operation, contextValue }) {
          if (!operation) return;
          const fields = new Set<string>();
          for (const selection of operation.selectionSet.selections) {
            fields.add(selection.kind === Kind.FIELD ? selection.name.value : '…');
          }
          const names = [...fields].sort();
          contextValue.trace.operation =
            names.length > MAX_LABELLED_FIELDS
              ? `${operation.operation} (${names.length} fields)`
              : `${operation.operation} ${names.join(',')}`;
        },
        async willSendResponse({ response, contextValue }) {
          if (response.body.kind === 'single') {
            contextValue.trace.failed = (response.body.singleResult.errors?.length ?? 0) > 0;
          }
        },
      };
    },
  };
}
