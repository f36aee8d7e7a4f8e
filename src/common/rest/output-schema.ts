import { GraphQLScalarType } from 'graphql';
import { type ClassType, getMetadataStorage } from 'type-graphql';
import type { JsonSchema } from '../json-schema';

/**
 * The JSON Schema of a GraphQL object type, read from its TypeGraphQL declaration: each answer's
 * shape is written once, on its `@ObjectType` class, and the REST door documents (OpenAPI) and
 * serialises its answers with this. Only the fields declared on the class count: the fields that
 * resolvers add (an audience's `contacts`, say) take arguments and have no REST form.
 */
export function outputSchema(
  type: ClassType,
  options: { omit?: readonly string[]; description?: string } = {},
): JsonSchema {
  const storage = getMetadataStorage();
  const declared = declaredFields(type).filter((field) => !options.omit?.includes(field.name));
  const properties = Object.fromEntries(
    declared.map((field) => {
      // getType() first: it is what marks a list field as an array.
      const item = valueSchema(field.getType());
      const { nullable, array } = field.typeOptions;
      const schema = array ? { type: 'array', items: item } : item;
      return [
        field.schemaName,
        {
          ...schema,
          ...(nullable === true && { nullable: true }),
          ...(field.description && { description: field.description }),
        },
      ];
    }),
  );
  const description =
    options.description ?? storage.objectTypes.find((meta) => meta.target === type)?.description;
  return {
    type: 'object',
    ...(description && { description }),
    // Every field is in every answer, a nullable one as null.
    required: declared.map((field) => field.schemaName),
    properties,
  };
}

type FieldMetadata = ReturnType<typeof getMetadataStorage>['fields'][number];

/** The class's own `@Field`s and its ancestors' (PageType's `data` and `meta`), in order. */
function declaredFields(type: ClassType): FieldMetadata[] {
  const storage = getMetadataStorage();
  // A field resolver, once the schema is built, is listed among the fields with its own getType.
  const resolved = new Set(storage.fieldResolvers.map((resolver) => resolver.getType));
  const chain: unknown[] = [];
  for (let target: unknown = type; target !== Function.prototype;) {
    chain.unshift(target);
    target = Object.getPrototypeOf(target);
  }
  return chain.flatMap((target) =>
    storage.fields.filter((field) => field.target === target && !resolved.has(field.getType)),
  );
}

// Every ID of this service is a UUID; every timestamp is an ISO 8601 date and time.
const SCALARS: Record<string, JsonSchema> = {
  ID: { type: 'string', format: 'uuid' },
  String: { type: 'string' },
  Int: { type: 'integer' },
  Float: { type: 'number' },
  Boolean: { type: 'boolean' },
  DateTimeISO: { type: 'string', format: 'date-time' },
  JSONObject: { type: 'object', additionalProperties: true },
};

function valueSchema(value: unknown): JsonSchema {
  if (value instanceof GraphQLScalarType) return scalar(value.name);
  if (value === String) return scalar('String');
  if (value === Number) return scalar('Float');
  if (value === Boolean) return scalar('Boolean');
  if (value === Date) return scalar('DateTimeISO');
  const storage = getMetadataStorage();
  const enumType = storage.enums.find((meta) => meta.enumObj === value);
  if (enumType) return { type: 'string', enum: Object.values(enumType.enumObj) };
  if (storage.objectTypes.some((meta) => meta.target === value)) {
    return outputSchema(value as ClassType);
  }
  throw new Error(`no JSON Schema for the GraphQL type ${String(value)}`);
}

function scalar(name: string): JsonSchema {
  const schema = SCALARS[name];
  if (!schema) throw new Error(`no JSON Schema for the GraphQL scalar ${name}`);
  return schema;
}
