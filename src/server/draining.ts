import type { FastifyInstance } from 'fastify';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The first step of a graceful shutdown: /readyz turns 503 so that load balancers stop
     * sending, and every response says `connection: close` so that keep-alive clients leave.
     * Requests are still served meanwhile; closing the server is the second step.
     */
    startDraining(): void;
    readonly draining: boolean;
  }
}

/** Adds startDraining() and the draining flag to the app (see main.ts for the whole sequence). */
export function registerDraining(app: FastifyInstance): void {
  let draining = false;
  app.decorate('startDraining', () => {
    draining = true;
  });
  app.decorate('draining', {
    getter: () => draining,
  });
  // A callback hook, not an async one: it runs on every response and needs no promise.
  app.addHook('onSend', (_request, reply, payload, done) => {
    if (draining) void reply.header('connection', 'close');
    done(null, payload);
  });
}
