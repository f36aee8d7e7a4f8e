import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { buildSchema, isEnumType, isInputObjectType, isObjectType } from 'graphql';
import { connectOrm } from '../src/database/database';
import { subgraphSdlOf } from '../src/federation/subgraph-sdl';
import { buildGraphQLSchema, printGraphQLSchema } from '../src/graphql/schema';
import { operationsTable, withOperationsTable } from '../src/graphql/operations-table';
import { DATABASE_LOGIC, ENTITIES } from '../src/features';

test('schema.graphql is what the code generates (run `npm run schema` after changing the API)', async () => {
  const committed = await readFile(path.join(__dirname, '..', 'schema.graphql'), 'utf8');
  expect(committed).toBe(await printGraphQLSchema());
});

test('the table of operations in docs/graphql.md is what the schema says (npm run schema)', async () => {
  const docs = await readFile(path.join(__dirname, '..', 'docs', 'graphql.md'), 'utf8');
  const table = await operationsTable();
  // As Prettier lays tables out: the same cells, whatever the padding.
  const cells = (text: string) =>
    text
      .split('\n')
      .map((line) => line.replace(/ {2,}/g, ' ').replace(/-{3,}/g, '---').trim())
      .join('\n');
  expect(cells(docs)).toBe(cells(withOperationsTable(docs, table)));
  expect(table).toContain('`addContactsToAudience(id, contacts): [ID!]!`');
});

test('schema.subgraph.graphql is what the code generates', async () => {
  const committed = await readFile(path.join(__dirname, '..', 'schema.subgraph.graphql'), 'utf8');
  expect(committed).toBe(subgraphSdlOf(await buildGraphQLSchema()));
});

test('every type, field, argument and enum value has a description', async () => {
  const schema = buildSchema(await printGraphQLSchema());
  const missing: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (
      type.name.startsWith('__') ||
      ['String', 'Int', 'Boolean', 'ID', 'Float'].includes(type.name)
    )
      continue;
    if (!type.description) missing.push(type.name);
    if (isObjectType(type) || isInputObjectType(type)) {
      for (const field of Object.values(type.getFields())) {
        if (!field.description) missing.push(`${type.name}.${field.name}`);
        for (const arg of 'args' in field ? field.args : []) {
          if (!arg.description) missing.push(`${type.name}.${field.name}(${arg.name})`);
        }
      }
    }
    if (isEnumType(type)) {
      for (const value of type.getValues())
        if (!value.description) missing.push(`${type.name}.${value.name}`);
    }
  }
  expect(missing).toEqual([]);
});

test('the committed migrations build exactly the schema the entities describe', async () => {
  const { orm } = await connectOrm({
    url: process.env.TEST_DATABASE_URL!,
    poolSize: 1,
    entities: ENTITIES,
    logic: DATABASE_LOGIC,
  });
  try {
    expect(await orm.getMigrator().checkMigrationNeeded()).toBe(false);
  } finally {
    await orm.close();
  }
});
