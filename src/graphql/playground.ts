import type { FastifyInstance } from 'fastify';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from './project-root';
import { API_KEY_HEADER } from '../server/request-context';

export interface PlaygroundOptions {
  /** Put in the header editor: the demo key, on the embedded demo database only. */
  apiKey?: string;
}

const ASSET_PREFIX = '/graphql/playground';

// GraphiQL and the React it runs on, from npm: the playground works offline, with no CDN.
const JS = 'text/javascript; charset=utf-8';
const ASSETS: Record<string, { pkg: string; file: string; type: string }> = {
  'graphiql.min.css': {
    pkg: 'graphiql',
    file: 'graphiql.min.css',
    type: 'text/css; charset=utf-8',
  },
  'graphiql.min.js': { pkg: 'graphiql', file: 'graphiql.min.js', type: JS },
  'react.production.min.js': { pkg: 'react', file: 'umd/react.production.min.js', type: JS },
  'react-dom.production.min.js': {
    pkg: 'react-dom',
    file: 'umd/react-dom.production.min.js',
    type: JS,
  },
};

// These files are outside the packages' "exports"; found from each package's own folder instead.
function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/package.json`)), file);
}

// No inline script: the page's settings travel as JSON in a data block, read by this file.
const START_SCRIPT = `
const settings = JSON.parse(document.getElementById('playground-settings').textContent);
const fetcher = GraphiQL.createFetcher({ url: settings.endpoint });
ReactDOM.createRoot(document.getElementById('graphiql')).render(
  React.createElement(GraphiQL, {
    fetcher,
    defaultQuery: settings.query,
    defaultHeaders: settings.headers,
    headerEditorEnabled: true,
    shouldPersistHeaders: true,
    defaultEditorToolsVisibility: settings.headers ? 'headers' : undefined,
  }),
);
`;

/** GraphiQL for browsers at GET /graphql, with its assets under /graphql/playground/. */
export function registerPlaygroundAssets(app: FastifyInstance): void {
  for (const [name, { pkg, file, type }] of Object.entries(ASSETS)) {
    const content = readFileSync(packageFile(pkg, file));
    app.get(`${ASSET_PREFIX}/${name}`, { schema: { hide: true } }, async (_request, reply) =>
      reply.type(type).header('cache-control', 'public, max-age=86400').send(content),
    );
  }
  app.get(`${ASSET_PREFIX}/start.js`, { schema: { hide: true } }, async (_request, reply) =>
    reply.type('text/javascript; charset=utf-8').send(START_SCRIPT),
  );
}

export function playgroundPage({ apiKey }: PlaygroundOptions): string {
  const settings = {
    endpoint: '/graphql',
    // The operation the playground opens with; read only when a playground is served.
    query: readFileSync(path.join(PROJECT_ROOT, 'examples', 'audiences.graphql'), 'utf8'),
    headers: apiKey ? JSON.stringify({ [API_KEY_HEADER]: apiKey }, null, 2) : undefined,
  };
  // "<" escaped so that nothing in the settings can close the data block.
  const json = JSON.stringify(settings).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>audience-gateway · GraphQL playground</title>
    <link rel="stylesheet" href="${ASSET_PREFIX}/graphiql.min.css" />
    <style>body { margin: 0; } #graphiql { height: 100vh; }</style>
  </head>
  <body>
    <div id="graphiql">Loading the playground…</div>
    <script type="application/json" id="playground-settings">${json}</script>
    <script src="${ASSET_PREFIX}/react.production.min.js"></script>
    <script src="${ASSET_PREFIX}/react-dom.production.min.js"></script>
    <script src="${ASSET_PREFIX}/graphiql.min.js"></script>
    <script src="${ASSET_PREFIX}/start.js"></script>
  </body>
</html>
`;
}
