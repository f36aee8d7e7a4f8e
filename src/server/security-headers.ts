import type { FastifyInstance } from 'fastify';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Helmet's security headers on every response, with a Content-Security-Policy that the pages this
 * service serves itself (GraphiQL, Swagger UI) live within: scripts and connections to this origin
 * only; inline styles and data: fonts and images, which both UIs use.
 */
const securityHeaders = helmet({
  contentSecurityPolicy: {
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      fontSrc: ["'self'", 'data:'],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  },
  // GraphiQL loads its assets with ordinary same-origin requests; nothing here is embedded elsewhere.
  crossOriginEmbedderPolicy: false,
});

/**
 * The headers above, worked out once: with no per-request part (no nonces), they are the same
 * on every response, and building them anew for each one was a noticeable share of a small read.
 */
function headersOf(middleware: typeof securityHeaders): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader: (name: string, value: string) => {
      headers[name.toLowerCase()] = value;
    },
    removeHeader: () => undefined,
  };
  middleware({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

export function registerSecurityHeaders(app: FastifyInstance): void {
  const headers = headersOf(securityHeaders);
  app.addHook('onRequest', (_request, reply, done) => {
    void reply.headers(headers);
    done();
  });
}
