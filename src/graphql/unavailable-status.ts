import type { ApolloServerPlugin } from '@apollo/server';
import { HTTP_STATUS } from '../common/errors';

/**
 * An answer with no data because the database could not answer is HTTP 503, whichever field met
 * the outage, as it is when the key could not even be checked: gateways, load balancers and
 * clients retry on the status without reading the body. An answer with some data stays 200, as
 * GraphQL over HTTP asks.
 */
export function unavailableStatusPlugin<T extends object>(): ApolloServerPlugin<T> {
  return {
    async requestDidStart() {
      return {
        async willSendResponse({ response }) {
          if (response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          const unavailable = errors?.some(
            (error) => error.extensions?.code === 'SERVICE_UNAVAILABLE',
          );
          const nothing =
            data === null ||
            data === undefined ||
            Object.values(data).every((value) => value === null);
          if (unavailable && nothing) response.http.status = HTTP_STATUS.SERVICE_UNAVAILABLE;
        },
      };
    },
  };
}
