import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { subgraphSdlOf } from '../src/federation/subgraph-sdl';
import { buildGraphQLSchema, printGraphQLSchema } from '../src/graphql/schema';

// Writes schema.graphql (the client API) and schema.subgraph.graphql (what a federation router
// composes) from the code; test/schema.test.ts fails while a committed copy differs.
async function main(): Promise<void> {
  for (const [name, print] of [
    ['schema.graphql', printGraphQLSchema],
    ['schema.subgraph.graphql', async () => subgraphSdlOf(await buildGraphQLSchema())],
  ] as const) {
    const file = path.resolve(__dirname, '..', name);
    await writeFile(file, await print());
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}

void main();
