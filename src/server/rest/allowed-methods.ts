import type { FastifyInstance } from 'fastify';

/**
 * The methods each declared path answers, for 405 Method Not Allowed: a request to a path that
 * exists with a method it does not take is told which it does take (the `Allow` header), where a
 * 404 would say the path itself is wrong. Learnt from the routes as they are declared, so it stays
 * true as routes are added. Must be registered before the routes.
 */
export function trackAllowedMethods(app: FastifyInstance): (path: string) => string[] {
  const routes: { pattern: RegExp; methods: string[] }[] = [];
  app.addHook('onRoute', (route) => {
    const methods = [route.method].flat();
    // `/api/audience/:id` matches one segment where the parameter stands; `*` any rest.
    const pattern = new RegExp(
      `^${route.url
        .split('/')
        .map((segment) =>
          segment.startsWith(':')
            ? '[^/]+'
            : segment === '*'
              ? '.*'
              : segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('/')}/?$`,
    );
    routes.push({ pattern, methods });
  });
  return (path) => {
    const allowed = new Set<string>();
    for (const route of routes) {
      if (route.pattern.test(path)) for (const method of route.methods) allowed.add(method);
    }
    return [...allowed].sort();
  };
}
