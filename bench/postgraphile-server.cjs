// PostGraphile v5 over the benchmark database, for the side-by-side read (scenario 5).
// Run as: node bench/postgraphile-server.cjs DATABASE_URL PORT
// PostGraphile 5 targets Node 22; on Node 20 it needs only Promise.withResolvers.
if (!Promise.withResolvers) {
  Promise.withResolvers = function withResolvers() {
    let resolve;
    let reject;
    const promise = new Promise((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  };
}

const { createServer } = require('node:http');
const pg = require('pg');

// Counts the SQL statements PostGraphile sends, for the statements-per-request column.
let statements = 0;
for (const target of [pg.Client.prototype]) {
  const query = target.query;
  target.query = function countedQuery(...args) {
    statements += 1;
    return query.apply(this, args);
  };
}

const { postgraphile } = require('postgraphile');
const { PostGraphileAmberPreset } = require('postgraphile/presets/amber');
const { makePgService } = require('postgraphile/adaptors/pg');
const { grafserv } = require('postgraphile/grafserv/node');

const [connectionString, port] = process.argv.slice(2);
const preset = {
  extends: [PostGraphileAmberPreset],
  pgServices: [makePgService({ connectionString, schemas: ['public'], poolConfig: { max: 10 } })],
  grafserv: { port: Number(port), graphqlPath: '/graphql', graphiql: false },
  grafast: { explain: false },
  // Without this, PostGraphile offers conditions and orders only on columns with a plain index;
  // the audience indexes are partial (live rows only), so it would offer none.
  disablePlugins: ['PgIndexBehaviorsPlugin'],
};

async function main() {
  const pgl = postgraphile(preset);
  const serv = pgl.createServ(grafserv);
  const server = createServer((request, response) => {
    if (request.url === '/__statements') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ statements }));
      return;
    }
    handler(request, response);
  });
  const handler = serv.createHandler();
  server.listen(Number(port), '127.0.0.1', () => console.log(`postgraphile listening on ${port}`));
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
