import { validationMetadatasToSchemas } from 'class-validator-jsonschema';
import { getMetadataStorage } from 'type-graphql';

export interface JsonSchema {
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  default?: unknown;
  additionalProperties?: boolean;
  [keyword: string]: unknown;
}

let schemas: Record<string, JsonSchema> | undefined;

/**
 * The JSON Schema of an args or input class, read from its class-validator rules (the one place
 * they are written) with the defaults of its property initialisers and the descriptions of its
 * GraphQL fields (the one place those are written). REST uses it to document its
 * parameters and bodies and to know which query parameters are numbers; validating stays with
 * class-validator.
 */
export function inputSchema(type: new () => object): JsonSchema {
  schemas ??= validationMetadatasToSchemas({
    additionalConverters: {
      // "No NUL character" stated as the text not matching one, beside any other pattern the
      // field has: generated clients and validators refuse what the service refuses. `type`
      // keeps the rule to strings: `not: { pattern }` alone would refuse a null.
      hasNoNul: { not: { type: 'string', pattern: '\u0000' } },
      // Not blank: some character that is not white space (the characters String.trim removes).
      isNotBlank: { pattern: '\\S' },
      characters: (meta: { constraints: number[] }) => ({
        ...(meta.constraints[0]! > 0 && { minLength: meta.constraints[0] }),
        maxLength: meta.constraints[1],
      }),
    },
  }) as Record<string, JsonSchema>;
  const base = schemas[type.name];
  if (!base) throw new Error(`no validation rules are declared on ${type.name}`);
  const defaults = new type() as Record<string, unknown>;
  const descriptions = fieldDescriptions(type);
  const properties = Object.fromEntries(
    Object.entries(base.properties ?? {}).map(([name, schema]) => [
      name,
      {
        ...schema,
        ...(defaults[name] !== undefined && { default: defaults[name] }),
        ...(descriptions.get(name) && { description: descriptions.get(name) }),
      },
    ]),
  );
  const required = (base.required ?? []).filter((name) => defaults[name] === undefined);
  return {
    type: 'object',
    properties,
    ...(required.length > 0 && { required }),
    additionalProperties: false,
  };
}

/** The descriptions of a class's GraphQL fields (`@Field({ description })`), its ancestors' too. */
function fieldDescriptions(type: new () => object): Map<string, string> {
  const descriptions = new Map<string, string>();
  const fields = getMetadataStorage().fields;
  // The class first, then its ancestors: a field it declares again says what it means here.
  for (let target: unknown = type; target && target !== Function.prototype;) {
    for (const field of fields) {
      if (field.target === target && field.description && !descriptions.has(field.name)) {
        descriptions.set(field.name, field.description);
      }
    }
    target = Object.getPrototypeOf(target);
  }
  return descriptions;
}
