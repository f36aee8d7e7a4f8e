import { validationMetadatasToSchemas } from 'class-validator-jsonschema';

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
 * they are written) with the defaults of its property initialisers. REST uses it to document its
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
  const properties = Object.fromEntries(
    Object.entries(base.properties ?? {}).map(([name, schema]) => [
      name,
      defaults[name] === undefined ? schema : { ...schema, default: defaults[name] },
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
