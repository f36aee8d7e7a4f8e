import 'reflect-metadata';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { subgraphSdlOf } from '../src/federation/subgraph-sdl';
import { operationsTable, withOperationsTable } from '../src/graphql/operations-table';
import { buildGraphQLSchema, printGraphQLSchema } from '../src/graphql/schema';

// Writes schema.graphql (the client API), schema.subgraph.graphql (what a federation router
// composes) and the table of operations in docs/graphql.md from the code; test/schema.test.ts
// fails while a committed copy differs.
async function main(): Promise<void> {
  for (const [name, print] of [
    ['schema.graphql', printGraphQLSchema],
    ['schema.subgraph.graphql', async () => subgraphSdlOf(await buildGraphQLSchema())],
  ] as const) {
    const file = path.resolve(__dirname, '..', name);
    await writeFile(file, await print());
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
  const docs = path.resolve(__dirname, '..', 'docs', 'graphql.md');
  await writeFile(docs, withOperationsTable(await readFile(docs, 'utf8'), await operationsTable()));
  console.log(`wrote the table of operations in ${path.relative(process.cwd(), docs)}`);
}

void main();
