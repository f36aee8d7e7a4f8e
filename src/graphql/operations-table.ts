import { type GraphQLField, type GraphQLSchema, isObjectType } from 'graphql';
import { buildGraphQLSchema } from './schema';

// The fields of object types the table lists beside the root fields: those that take arguments,
// or cost nothing for what they count.
const TYPE_FIELDS = [
  'Audience.contactCount',
  'Audience.contacts',
  'Audience.contactsConnection',
  'Contact.audiences',
];

// Where the table stands in docs/graphql.md.
export const TABLE_START = '<!-- operations: written by npm run schema, from the schema -->';
export const TABLE_END = '<!-- end of operations -->';

/**
 * The docs' table of GraphQL operations, from the schema the service serves: each field's
 * signature and its description, which each feature writes once (`<feature>.operations.ts`) for
 * GraphQL, REST and this table alike.
 */
export async function operationsTable(schema?: GraphQLSchema): Promise<string> {
  schema ??= await buildGraphQLSchema({ federation: false });
  const rows: string[] = [];
  const add = (label: string, field: GraphQLField<unknown, unknown>) => {
    // The id an operation acts on first, as it reads (TypeGraphQL lists arguments last first).
    const args = [...field.args]
      .sort((a, b) => Number(b.name === 'id') - Number(a.name === 'id'))
      .map((arg) => arg.name)
      .join(', ');
    const signature = `${label}${args ? `(${args})` : ''}: ${String(field.type)}`;
    const description = (field.description ?? '').replace(/\n+/g, ' ').replace(/\|/g, '\\|');
    rows.push(`| \`${signature}\` | ${description} |`);
  };
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    for (const field of Object.values(root?.getFields() ?? {})) add(field.name, field);
  }
  for (const name of TYPE_FIELDS) {
    const [typeName, fieldName] = name.split('.') as [string, string];
    const type = schema.getType(typeName);
    if (!isObjectType(type)) throw new Error(`no object type ${typeName}`);
    add(name, type.getFields()[fieldName]!);
  }
  return [
    TABLE_START,
    '',
    '| Operation | What it does |',
    '| --- | --- |',
    ...rows,
    '',
    TABLE_END,
  ].join('\n');
}

/** The document with its table of operations replaced by `table`. */
export function withOperationsTable(document: string, table: string): string {
  const start = document.indexOf(TABLE_START);
  const end = document.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error('the document has no table of operations');
  return document.slice(0, start) + table + document.slice(end + TABLE_END.length);
}
