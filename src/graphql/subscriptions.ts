import type { Knex } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import {
  type DocumentNode,
  GraphQLError,
  type GraphQLSchema,
  getOperationAST,
  parse,
  specifiedRules,
  validate,
} from 'graphql';
import { type Extra, useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import { MAX_SUBSCRIPTIONS_PER_KEY } from '../event/event.operations';
import type { ApiKeyCache } from '../organization/api-key-cache';
import type { ReadRouting } from '../server/read-routing';
import {
  API_KEY_HEADER,
  createRequestContext,
  type RequestContext,
} from '../server/request-context';
import { createErrorFormatter } from './format-error';

// The largest message a client may send (a subscription document is a few hundred bytes).
const MAX_MESSAGE_BYTES = 64 * 1024;
// How often each connection's key is checked again: a key revoked meanwhile ends it.
const KEY_CHECK_MS = 1000;
// The WebSocket close code for a key that is missing, unknown or revoked (graphql-ws: Forbidden).
const FORBIDDEN = 4403;
// How many connections one key may hold open on an instance, and the close code past it.
const MAX_CONNECTIONS_PER_KEY = 10;
const TOO_MANY = 4429;

export interface SubscriptionOptions {
  db: Knex;
  routing: ReadRouting;
  apiKeys: ApiKeyCache;
  schema: GraphQLSchema;
}

/** What this service keeps of each connection beside graphql-ws's own. */
interface Connection {
  apiKey: string;
  keyHash: string;
  context: RequestContext;
  check: NodeJS.Timeout;
}

/**
 * GraphQL subscriptions over graphql-ws at /graphql (the same path as queries, upgraded): the API
 * key comes in the connection's payload (`{ "x-api-key": "…" }`), since browsers cannot set
 * headers on a WebSocket. Only subscriptions are taken here (queries and mutations go over HTTP,
 * with its limits and transactions), at most MAX_SUBSCRIPTIONS_PER_KEY per key on this instance
 * over at most MAX_CONNECTIONS_PER_KEY connections (4429 past it),
 * each scoped to the key's organization. The key is checked again every second: revoked, the
 * connection ends (4403).
 */
export function registerSubscriptions(app: FastifyInstance, options: SubscriptionOptions): void {
  const sockets = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  app.server.on('upgrade', (request, socket, head) => {
    const path = (request.url ?? '').split('?')[0];
    if (path !== '/graphql') {
      socket.end('HTTP/1.1 404 Not Found\r\nConnection: close\r\n\r\n');
      return;
    }
    sockets.handleUpgrade(request, socket, head, (ws) => sockets.emit('connection', ws, request));
  });
  const connections = new WeakMap<object, Connection>();
  // The connections open per key hash.
  const connectionsOf = new Map<string, number>();
  // The subscriptions open per key hash, as `socket id` keys.
  const open = new Map<string, Set<string>>();
  const formatError = createErrorFormatter((error) =>
    app.log.error({ err: error }, 'unexpected GraphQL subscription error'),
  );
  let sequence = 0;
  const socketIds = new WeakMap<object, number>();
  const entry = (extra: Extra, id: string) => {
    if (!socketIds.has(extra.socket)) socketIds.set(extra.socket, (sequence += 1));
    return `${socketIds.get(extra.socket)} ${id}`;
  };
  const forget = (extra: Extra, id: string) => {
    const connection = connections.get(extra.socket);
    if (connection) open.get(connection.keyHash)?.delete(entry(extra, id));
  };
  useServer(
    {
      schema: options.schema,
      onConnect: async (ctx) => {
        const apiKey = ctx.connectionParams?.[API_KEY_HEADER];
        if (typeof apiKey !== 'string' || apiKey.trim() === '') return false;
        let context: RequestContext;
        try {
          context = await createRequestContext(options.db, options.apiKeys, apiKey, {
            routing: options.routing,
            writes: false,
          });
        } catch {
          return false;
        }
        const socket = ctx.extra.socket;
        const keyHash = context.keyHash!;
        if ((connectionsOf.get(keyHash) ?? 0) >= MAX_CONNECTIONS_PER_KEY) {
          socket.close(
            TOO_MANY,
            `This API key has ${MAX_CONNECTIONS_PER_KEY} connections open, the most it may`,
          );
          return false;
        }
        connectionsOf.set(keyHash, (connectionsOf.get(keyHash) ?? 0) + 1);
        const check = setInterval(() => {
          void options.apiKeys.actorFor(apiKey.trim()).then(
            (found) => {
              if (!found) socket.close(FORBIDDEN, 'The API key is invalid or revoked');
            },
            () => undefined,
          );
        }, KEY_CHECK_MS);
        check.unref();
        connections.set(socket, { apiKey, keyHash, context, check });
        return true;
      },
      onSubscribe: (ctx, id, payload) => {
        const connection = connections.get(ctx.extra.socket)!;
        let document: DocumentNode;
        try {
          document = parse(payload.query, { maxTokens: 2000 });
        } catch (error) {
          return [error as GraphQLError];
        }
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [
            new GraphQLError(
              'Only subscriptions are taken over WebSocket: send queries and mutations over HTTP',
              { extensions: { code: 'BAD_USER_INPUT' } },
            ),
          ];
        }
        const errors = validate(options.schema, document, specifiedRules);
        if (errors.length > 0) return errors;
        const keyOpen = open.get(connection.keyHash) ?? new Set<string>();
        if (keyOpen.size >= MAX_SUBSCRIPTIONS_PER_KEY) {
          return [
            new GraphQLError(
              `This API key has ${MAX_SUBSCRIPTIONS_PER_KEY} subscriptions open, the most it may: complete one first`,
              { extensions: { code: 'RATE_LIMITED' } },
            ),
          ];
        }
        keyOpen.add(entry(ctx.extra, id));
        open.set(connection.keyHash, keyOpen);
        return {
          schema: options.schema,
          document,
          operationName: payload.operationName,
          variableValues: payload.variables,
          contextValue: connection.context,
        };
      },
      onError: (ctx, id, _payload, errors) => {
        forget(ctx.extra, id);
        return errors.map((error) => formatError(error.toJSON(), error));
      },
      onNext: (_ctx, _id, _payload, _args, result) => {
        if (!result.errors) return;
        return {
          ...result,
          errors: result.errors.map((error) => formatError(error.toJSON(), error)),
        };
      },
      onComplete: (ctx, id) => forget(ctx.extra, id),
      onClose: (ctx) => {
        const connection = connections.get(ctx.extra.socket);
        if (!connection) return;
        clearInterval(connection.check);
        const count = (connectionsOf.get(connection.keyHash) ?? 1) - 1;
        if (count > 0) connectionsOf.set(connection.keyHash, count);
        else connectionsOf.delete(connection.keyHash);
        const prefix = `${socketIds.get(ctx.extra.socket)} `;
        const keyOpen = open.get(connection.keyHash);
        for (const key of keyOpen ?? []) if (key.startsWith(prefix)) keyOpen!.delete(key);
        if (keyOpen?.size === 0) open.delete(connection.keyHash);
      },
    },
    sockets,
  );
  app.addHook('onClose', async () => {
    for (const client of sockets.clients) client.close(1001, 'The service is shutting down');
    await new Promise<void>((resolve) => sockets.close(() => resolve()));
  });
}
