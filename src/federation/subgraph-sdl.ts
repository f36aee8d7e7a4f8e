import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { lexicographicSortSchema } from 'graphql';
import { buildGraphQLSchema } from '../graphql/schema';

// Federation 2, and the one directive this subgraph uses.
const LINK =
  'extend schema @link(url: "https://specs.apollo.dev/federation/v2.3", import: ["@key"])';

let printed: Promise<string> | undefined;

/**
 * The subgraph schema a router composes: the client schema (schema.graphql) with the `@key` of
 * each entity type and the federation link, without the federation fields themselves (a router
 * adds its own). Committed as schema.subgraph.graphql; worked out once per process.
 */
export function subgraphSdl(): Promise<string> {
  printed ??= buildGraphQLSchema({ federation: false }).then(
    (schema) => `${LINK}\n\n${printSchemaWithDirectives(lexicographicSortSchema(schema))}\n`,
  );
  return printed;
}
