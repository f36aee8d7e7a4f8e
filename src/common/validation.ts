import {
  isUUID,
  registerDecorator,
  validate,
  type ValidationError as ClassValidatorError,
  type ValidationOptions,
} from 'class-validator';
import { type FieldProblem, ValidationError } from './errors';

/** How every input is checked: unknown fields refused, nothing of the value echoed back. */
export const VALIDATION_OPTIONS = {
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  validationError: { target: false, value: false },
} as const;

/**
 * Validates input against the class-validator rules declared on its class, which are the only
 * place a rule is written. Plain objects (REST bodies, CSV rows) become instances first, so that
 * defaults declared on the class apply; unknown fields are refused.
 */
export async function validateInput<T extends object>(
  type: new () => T,
  value: unknown,
  fieldPrefix = '',
): Promise<T> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw ValidationError.of(fieldPrefix || 'input', `${fieldPrefix || 'input'} must be an object`);
  }
  const instance =
    value instanceof type ? value : toInstance(type, value as Record<string, unknown>);
  const errors = await validate(instance, VALIDATION_OPTIONS);
  if (errors.length > 0) throw new ValidationError(toProblems(errors, fieldPrefix));
  return instance;
}

/** Validates every element of a list, reporting each failure with its index. */
export async function validateInputs<T extends object>(
  type: new () => T,
  values: readonly unknown[],
  field: string,
): Promise<T[]> {
  const problems: FieldProblem[] = [];
  const instances: T[] = [];
  for (const [index, value] of values.entries()) {
    try {
      instances.push(await validateInput(type, value, `${field}[${index}]`));
    } catch (error) {
      if (!(error instanceof ValidationError)) throw error;
      problems.push(...error.problems);
    }
  }
  if (problems.length > 0) throw new ValidationError(problems);
  return instances;
}

function toInstance<T extends object>(type: new () => T, value: Record<string, unknown>): T {
  const instance = new type();
  for (const [key, field] of Object.entries(value)) {
    // An explicit undefined means "not given": keep the class default.
    if (field !== undefined) (instance as Record<string, unknown>)[key] = field;
  }
  return instance;
}

function toProblems(errors: ClassValidatorError[], prefix: string): FieldProblem[] {
  return errors.flatMap((error) => {
    const field = prefix ? `${prefix}.${error.property}` : error.property;
    const own = relevantMessages(error.constraints ?? {}).map((message) =>
      message.startsWith(error.property) ? field + message.slice(error.property.length) : message,
    );
    const nested = toProblems(error.children ?? [], field);
    return own.length > 0 ? [{ field, messages: own }, ...nested] : nested;
  });
}

// A value of the wrong type fails every rule of its property; only the type is worth reporting.
const TYPE_CONSTRAINTS = ['isString', 'isInt', 'isArray', 'isEnum', 'whitelistValidation'];

function relevantMessages(constraints: Record<string, string>): string[] {
  const typeFailure = TYPE_CONSTRAINTS.find((name) => name in constraints);
  return typeFailure ? [constraints[typeFailure]!] : Object.values(constraints);
}

/** A string with at least one character that is not white space. */
export function IsNotBlank(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isNotBlank',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must not be blank', ...options },
      validator: { validate: (value: unknown) => typeof value === 'string' && value.trim() !== '' },
    });
}

/**
 * Text PostgreSQL can store: no NUL character (U+0000), which its text type refuses outright. For
 * every free-text field, so that such a value is the client's 400 naming the field, not a 500.
 */
export function HasNoNul(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'hasNoNul',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: '$property must not contain the NUL character (U+0000)', ...options },
      validator: {
        validate: (value: unknown) => typeof value !== 'string' || !value.includes('\0'),
      },
    });
}

/**
 * A text's length in characters (Unicode code points), counted as PostgreSQL counts them for a
 * varchar(n) column and as JSON Schema counts them for minLength and maxLength. class-validator's
 * Length does not count variation selectors (U+FE0E, U+FE0F), so a name of 3 letters and 62
 * selectors passed it and failed the column: a 500 instead of a 400. Messages are Length's own.
 */
export function Characters(
  min: number,
  max: number,
  options?: ValidationOptions,
): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'characters',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [min, max],
      options: {
        message: ({ value, property }) =>
          typeof value === 'string' && [...value].length < min
            ? `${property} must be longer than or equal to ${min} characters`
            : `${property} must be shorter than or equal to ${max} characters`,
        ...options,
      },
      validator: {
        validate: (value: unknown) => {
          if (typeof value !== 'string') return false;
          const length = [...value].length;
          return length >= min && length <= max;
        },
      },
    });
}

/** Ids are UUIDs of any version or variant: any 8-4-4-4-12 hex form PostgreSQL's uuid type takes. */
export function assertUuid(field: string, value: unknown): string {
  if (typeof value !== 'string' || !isUUID(value, 'loose')) {
    throw ValidationError.of(field, `${field} must be a UUID`);
  }
  return value;
}
