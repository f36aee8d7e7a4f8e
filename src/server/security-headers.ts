import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

/**
 * Helmet's security headers on every response, with a Content-Security-Policy that the pages this
 * service serves itself (GraphiQL, Swagger UI) live within: scripts and connections to this origin
 * only; inline styles and data: fonts and images, which both UIs use.
 */
export async function registerSecurityHeaders(app: FastifyInstance): Promise<void> {
  await app.register(helmet, {
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
}
