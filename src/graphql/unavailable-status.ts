import type { ApolloServerPlugin } from '@apollo/server';
import { HTTP_STATUS } from '../common/errors';

/**
 * An answer with no data because the database could not answer is HTTP 503, whichever field met
 * the outage, as it is when the key could not even be checked and as REST answers: monitors,
 * gateways and load balancers read the status, not the body. An answer with some data stays 200,
 * as GraphQL over HTTP asks. As on REST, a mutation answered 503 was most likely not made but may
 * have been (a commit whose answer was lost): retry one only where doing it twice is harmless.
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
