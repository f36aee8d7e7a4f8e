import 'reflect-metadata';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { printGraphQLSchema } from '../src/graphql/schema';

// Writes schema.graphql from the code; test/schema.test.ts fails while the committed copy differs.
async function main(): Promise<void> {
  const file = path.resolve(__dirname, '..', 'schema.graphql');
  await writeFile(file, await printGraphQLSchema());
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

void main();
